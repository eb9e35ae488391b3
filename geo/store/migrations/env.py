"""Alembic environment: runs on the connection that geo.store.database.migrate hands over."""

from alembic import context

from geo.store.schema import include_object, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run migrations through geo.store.database.migrate(engine), not the alembic CLI."
    )

context.configure(
    connection=connection,
    target_metadata=metadata,
    include_object=include_object,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
