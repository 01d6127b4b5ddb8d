"""The executor: a pure core (orders, protection, exits, PnL) and a thin runner doing the venue I/O."""
