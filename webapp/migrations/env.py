"""Alembic's environment: the app passes its own connection (webapp.store.migrate), so the
migrations run in the same transaction, on SQLite or PostgreSQL alike."""

from alembic import context

from webapp.store import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
context.run_migrations()
