"""The small shared runtime: clock, settings, logging, the stream runner and the replay driver."""
