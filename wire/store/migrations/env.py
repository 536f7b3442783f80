"""Alembic environment: runs on the connection ``SQLStore.open`` hands over.

There is no ``alembic.ini``: the store builds the Alembic config in code and puts
its open connection in ``config.attributes["connection"]``. Offline (SQL script)
mode is not supported because wire always migrates a live database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from wire.errors import StoreError
from wire.store.tables import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise StoreError("wire migrations run only through SQLStore.open (no offline mode)")
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


run()
