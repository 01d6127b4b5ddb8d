"""Operator alerts to a Telegram bot or a Slack incoming webhook (seed §9)."""
