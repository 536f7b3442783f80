"""Alembic migrations of the store, run programmatically by ``SQLStore.open``."""
