"""The `liqfade` command line."""
