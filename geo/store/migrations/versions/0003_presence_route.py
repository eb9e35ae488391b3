"""presence entries may carry a route (WKT LineString in EPSG:3006) inside their area

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("presence_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("route_wkt", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("presence_entries", schema=None) as batch_op:
        batch_op.drop_column("route_wkt")
