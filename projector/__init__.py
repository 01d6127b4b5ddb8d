"""The projector: every stream into PostgreSQL (the audit log and the dashboard's read models)."""
