"""PostGIS geometry columns; append-only ledger and version checks in the database on both

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

PostgreSQL (with PostGIS):

- ``incidents.geom`` (Point) and ``areas.geom`` (the polygon) in EPSG:3006, *generated* from
  ``x``/``y`` and ``geometry_wkb``, so every writer (Core inserts, COPY, a restore) keeps them
  right without knowing they exist; each has a GiST index. They are not in ``geo.store.schema``'s tables
  (SQLite has no geometry type); ``geo.store.schema.POSTGIS_ONLY`` names them for schema comparisons.
- ``presence_audit``, ``presence_register_audit`` and the release ledger ``public_releases``
  refuse UPDATE, DELETE and TRUNCATE (triggers), as ``access_log`` does since 0008.
- A version check: an UPDATE of a versioned row (presence entries, units, shifts, the promise's
  activities, the allow-list of users) must raise ``version`` by exactly one, the optimistic
  lock's rule, so a direct UPDATE cannot slip past it.
- Every presence entry and every unit and shift must have one audit row per version when the
  transaction commits (deferred constraint triggers): changing ``presence_entries`` directly,
  without writing the audit, is refused at COMMIT.

SQLite: the ledger's append-only triggers and the version checks (SQLite has no deferred
triggers, so the audit-per-version rule is PostgreSQL only; on SQLite whoever can write the file
can change anything, which is why the file is created 0600 in a 0700 folder).

Privileges for the app's role are granted by ``geo.store.database.grant_app_role`` after every migration.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

APPEND_ONLY = ("presence_audit", "presence_register_audit", "public_releases")
"""Append-only tables this migration guards on PostgreSQL (access_log has its triggers from 0008;
presence_audit and presence_register_audit have SQLite triggers from 0002 and 0007)."""

VERSIONED = ("presence_entries", "presence_units", "presence_shifts", "promise_activities", "app_users")
AUDITED = (  # table, audit table, its key column, condition on the audit row
    ("presence_entries", "presence_audit", "entry_id", "true"),
    ("presence_units", "presence_register_audit", "row_id", "a.register = 'enhet'"),
    ("presence_shifts", "presence_register_audit", "row_id", "a.register = 'pass'"),
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _upgrade_postgresql()
    elif dialect == "sqlite":
        for table in ("public_releases",):
            for event in ("update", "delete"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event} BEFORE {event.upper()} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        for table in VERSIONED:
            op.execute(
                f"CREATE TRIGGER {table}_version_check BEFORE UPDATE ON {table} "
                "WHEN NEW.version IS NOT OLD.version + 1 "
                f"BEGIN SELECT RAISE(ABORT, '{table}: version must rise by one per change'); END"
            )


def _upgrade_postgresql() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first() is None:
        # Creating PostGIS needs a superuser; the error then says so (see README, "PostgreSQL").
        op.execute("CREATE EXTENSION postgis")
    op.execute(
        "ALTER TABLE incidents ADD COLUMN geom geometry(Point, 3006) GENERATED ALWAYS AS "
        "(CASE WHEN x IS NULL OR y IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(x, y), 3006) END) STORED"
    )
    op.execute("CREATE INDEX ix_incidents_geom ON incidents USING gist (geom)")
    op.execute(
        "ALTER TABLE areas ADD COLUMN geom geometry(Geometry, 3006) GENERATED ALWAYS AS "
        "(ST_GeomFromWKB(geometry_wkb, 3006)) STORED"
    )
    op.execute("CREATE INDEX ix_areas_geom ON areas USING gist (geom)")

    op.execute(
        "CREATE FUNCTION lagesbild_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'; "
        "END $$"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION lagesbild_append_only()"
        )
        op.execute(  # TRUNCATE bypasses row triggers
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION lagesbild_append_only()"
        )

    op.execute(
        "CREATE FUNCTION lagesbild_version_check() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.version IS DISTINCT FROM OLD.version + 1 THEN "
        "RAISE EXCEPTION '%: version must rise by one per change (id %, version % to %)', "
        "TG_TABLE_NAME, OLD.id, OLD.version, NEW.version USING ERRCODE = 'check_violation'; "
        "END IF; RETURN NEW; END $$"
    )
    for table in VERSIONED:
        op.execute(
            f"CREATE TRIGGER {table}_version_check BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION lagesbild_version_check()"
        )

    for table, audit, key, condition in AUDITED:
        op.execute(
            f"CREATE FUNCTION {table}_audited() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF (SELECT count(*) FROM {audit} a WHERE a.{key} = NEW.id AND {condition}) < NEW.version "
            f"THEN RAISE EXCEPTION '{table} %: version % has no row in {audit}', NEW.id, NEW.version "
            "USING ERRCODE = 'integrity_constraint_violation'; "
            "END IF; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_audited AFTER INSERT OR UPDATE ON {table} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION {table}_audited()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in VERSIONED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version_check")
        op.execute("DROP TRIGGER IF EXISTS public_releases_no_update")
        op.execute("DROP TRIGGER IF EXISTS public_releases_no_delete")
        return
    if dialect != "postgresql":
        return
    for table, _audit, _key, _condition in AUDITED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_audited ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_audited()")
    for table in VERSIONED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_version_check ON {table}")
    op.execute("DROP FUNCTION IF EXISTS lagesbild_version_check()")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS lagesbild_append_only()")
    op.execute("DROP INDEX IF EXISTS ix_areas_geom")
    op.execute("ALTER TABLE areas DROP COLUMN IF EXISTS geom")
    op.execute("DROP INDEX IF EXISTS ix_incidents_geom")
    op.execute("ALTER TABLE incidents DROP COLUMN IF EXISTS geom")
