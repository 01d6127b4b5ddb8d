"""The governor: the only road from a confirmed setup to the executor (DESIGN §5)."""
