"""presence log with optimistic locking and an append-only audit table

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "presence_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("planned_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("promise_activity", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("actual_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actual_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tactics", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_entries")),
    )
    with op.batch_alter_table("presence_entries", schema=None) as batch_op:
        batch_op.create_index("ix_presence_entries_planned_start", ["planned_start"], unique=False)
        batch_op.create_index("ix_presence_entries_unit", ["unit"], unique=False)
    op.create_table(
        "presence_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["presence_entries.id"], name=op.f("fk_presence_audit_entry_id_presence_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_audit")),
    )
    with op.batch_alter_table("presence_audit", schema=None) as batch_op:
        batch_op.create_index("ix_presence_audit_entry_id", ["entry_id"], unique=False)
    # The audit trail is append-only: the database itself refuses to change or delete a row.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER presence_audit_no_update BEFORE UPDATE ON presence_audit "
            "BEGIN SELECT RAISE(ABORT, 'presence_audit is append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER presence_audit_no_delete BEFORE DELETE ON presence_audit "
            "BEGIN SELECT RAISE(ABORT, 'presence_audit is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS presence_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS presence_audit_no_delete")
    with op.batch_alter_table("presence_audit", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_audit_entry_id")
    op.drop_table("presence_audit")
    with op.batch_alter_table("presence_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_entries_unit")
        batch_op.drop_index("ix_presence_entries_planned_start")
    op.drop_table("presence_entries")
