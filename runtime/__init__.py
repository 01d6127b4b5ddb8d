"""The small shared runtime: clock, settings, logging, the stream consumer and the replay driver."""
