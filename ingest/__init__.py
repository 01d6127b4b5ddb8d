"""Market-data ingest: Binance USDⓈ-M WebSocket frames → `md.<SYMBOL>` events and `feed` health.

Pure parts (decoding, conflation, staleness, backoff) take time as an argument; `service.py` and
`connection.py` do the I/O; `runner.py` is the process entry point (`liqfade run ingest`).
"""
