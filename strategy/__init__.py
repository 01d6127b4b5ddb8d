"""The strategy worker: liquidation spikes → SetupDetected → SetupConfirmed | SetupRejected (DESIGN §4)."""
