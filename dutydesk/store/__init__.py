"""Persistence: tables, the engine factory for SQLite and PostgreSQL, migrations."""
