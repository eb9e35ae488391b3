"""survey comments and unsafe places; partner indicators from the kommun and the region

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("unsafe_x", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("unsafe_y", sa.Float(), nullable=True))
    op.create_table(
        "partner_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("indicator", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["imports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("area_code", "period", "indicator", "source"),
    )


def downgrade() -> None:
    op.drop_table("partner_indicators")
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_column("unsafe_y")
        batch_op.drop_column("unsafe_x")
        batch_op.drop_column("comment")
