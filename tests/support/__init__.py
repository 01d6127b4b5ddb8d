"""Test infrastructure: private real Redis and PostgreSQL instances, process helpers."""
