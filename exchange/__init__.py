"""The pure Binance USD-M exchange model: account, matching, symbol table, market data."""
