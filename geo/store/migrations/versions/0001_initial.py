"""initial schema: areas, incidents, surveys, import log

Revision ID: 0001
Revises:
Create Date: 2026-11-27 05:36:44.951820
"""

import sqlalchemy as sa
from alembic import op


revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "area_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("approximate", sa.Boolean(), nullable=False),
        sa.Column("provenance", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_layers")),
    )
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("rows_excluded", sa.Integer(), nullable=False),
        sa.Column("exclusions", sa.Text(), nullable=True),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    op.create_table(
        "areas",
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("zone", sa.String(length=20), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("population_note", sa.Text(), nullable=True),
        sa.Column("geometry_wkb", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layer_id"], ["area_layers.id"], name=op.f("fk_areas_layer_id_area_layers")
        ),
        sa.PrimaryKeyConstraint("layer_id", "area_code", name=op.f("pk_areas")),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("raw_type", sa.String(length=200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("location_precision", sa.String(length=20), nullable=False),
        sa.Column("harm_weight", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_incidents_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_incidents_source")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index("ix_incidents_area_code", ["area_code"], unique=False)
        batch_op.create_index("ix_incidents_occurred_at", ["occurred_at"], unique=False)

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("wave", sa.String(length=20), nullable=False),
        sa.Column("respondent_id", sa.String(length=100), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("safety_answer", sa.String(length=40), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_survey_responses_import_id_imports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
        sa.UniqueConstraint(
            "source", "wave", "respondent_id", name=op.f("uq_survey_responses_source")
        ),
    )
    op.create_table(
        "survey_items",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=60), nullable=False),
        sa.Column("answer", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["survey_responses.id"],
            name=op.f("fk_survey_items_response_id_survey_responses"),
        ),
        sa.PrimaryKeyConstraint("response_id", "item", name=op.f("pk_survey_items")),
    )


def downgrade() -> None:

    op.drop_table("survey_items")
    op.drop_table("survey_responses")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index("ix_incidents_occurred_at")
        batch_op.drop_index("ix_incidents_area_code")

    op.drop_table("incidents")
    op.drop_table("areas")
    op.drop_table("imports")
    op.drop_table("area_layers")
