"""What a replay reads: market CSVs, JSONL exports, the recorded log (PostgreSQL or Redis), and its config."""
