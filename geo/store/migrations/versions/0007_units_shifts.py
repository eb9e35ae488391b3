"""units and shift patterns of the presence plan; every entry names its shift

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

SQLite adds the column through batch mode. On PostgreSQL an exclusion constraint keeps a unit out
of two places at once (bookings that are not cancelled may not overlap), the database-level
counterpart of the check that ``geo.presence.log`` makes under SQLite's write lock.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("home_base", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_units")),
        sa.UniqueConstraint("name", name=op.f("uq_presence_units_name")),
    )
    op.create_table(
        "presence_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("start_time", sa.String(length=5), nullable=False),
        sa.Column("end_time", sa.String(length=5), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_shifts")),
        sa.UniqueConstraint("name", name=op.f("uq_presence_shifts_name")),
    )
    op.create_table(
        "presence_register_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_register_audit")),
    )
    with op.batch_alter_table("presence_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shift", sa.String(length=40), nullable=True))
    if op.get_bind().dialect.name == "sqlite":  # append-only, as presence_audit
        op.execute(
            "CREATE TRIGGER presence_register_audit_no_update BEFORE UPDATE ON presence_register_audit "
            "BEGIN SELECT RAISE(ABORT, 'presence_register_audit is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER presence_register_audit_no_delete BEFORE DELETE ON presence_register_audit "
            "BEGIN SELECT RAISE(ABORT, 'presence_register_audit is append-only'); END"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE presence_entries ADD CONSTRAINT presence_entries_unit_no_overlap "
            "EXCLUDE USING gist (unit WITH =, tstzrange(planned_start, planned_end) WITH &&) "
            "WHERE (status <> 'inställd')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE presence_entries DROP CONSTRAINT IF EXISTS presence_entries_unit_no_overlap"
        )
    with op.batch_alter_table("presence_entries", schema=None) as batch_op:
        batch_op.drop_column("shift")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS presence_register_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS presence_register_audit_no_delete")
    op.drop_table("presence_register_audit")
    op.drop_table("presence_shifts")
    op.drop_table("presence_units")
