"""The database schema (SQLAlchemy Core), portable between SQLite and PostgreSQL.

Migrations in ``geo/store/migrations`` create exactly these tables; a test checks that they agree.
Geometry is stored as WKB (areas) or x/y (points) in EPSG:3006; on PostgreSQL, migration 0009 adds
PostGIS ``geom`` columns generated from them, with GiST indexes (``POSTGIS_ONLY``). All times are
UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeDecorator, UserDefinedType

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


POSTGIS_ONLY = {
    ("column", "incidents.geom"),
    ("column", "areas.geom"),
    ("index", "ix_incidents_geom"),
    ("index", "ix_areas_geom"),
    ("table", "spatial_ref_sys"),
}
"""What exists only on PostgreSQL and not in these tables: the generated PostGIS columns of
migration 0009 (Point and polygon in EPSG:3006, written by the database from ``x``/``y`` and
``geometry_wkb``) with their GiST indexes, and PostGIS's own ``spatial_ref_sys``."""


class PostGISGeometry(UserDefinedType[Any]):
    """PostGIS ``geometry``, known to reflection so that comparing schemas does not warn."""

    cache_ok = True

    def __init__(self, *modifiers: Any) -> None:
        self.modifiers = tuple(str(m) for m in modifiers)  # e.g. ("Point", "3006")

    def get_col_spec(self, **_kw: Any) -> str:
        """Return the column type as DDL: ``geometry`` or ``geometry(Point, 3006)``."""
        return f"geometry({', '.join(self.modifiers)})" if self.modifiers else "geometry"


ischema_names.setdefault("geometry", PostGISGeometry)


def include_object(
    item: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object`` hook: leave out what :data:`POSTGIS_ONLY` names."""
    table = getattr(item, "table", None)
    qualified = f"{table.name}.{name}" if type_ == "column" and table is not None else name
    return (type_, qualified) not in POSTGIS_ONLY


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones: values are converted to UTC and stored without offset, and come
    back tagged as UTC. A naive datetime is refused (we never guess a time zone).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Return the value in UTC for the database; refuse a naive datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times with a time zone (UTC)")
        utc = value.astimezone(dt.UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Return a stored value as an aware UTC datetime (SQLite keeps no offset)."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


area_layers = Table(
    "area_layers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("approximate", Boolean, nullable=False),
    Column("provenance", Text, nullable=False),
    Column("file_sha256", String(64)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("is_active", Boolean, nullable=False, default=False),
)

areas = Table(
    "areas",
    metadata,
    Column("layer_id", Integer, ForeignKey("area_layers.id"), primary_key=True),
    Column("area_code", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("zone", String(20), nullable=False),
    Column("population", Integer),
    Column("population_note", Text),
    Column("geometry_wkb", LargeBinary, nullable=False),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # areas | incidents | survey | demo
    Column("source", String(40), nullable=False),
    Column("file_name", String(500)),
    Column("file_sha256", String(64)),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("rows_imported", Integer, nullable=False, default=0),
    Column("rows_excluded", Integer, nullable=False, default=0),
    Column("exclusions", Text),  # JSON list of {line, reason}
    Column("imported_by", String(200), nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    Column("note", Text),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("source_id", String(100), nullable=False),
    Column("category", String(40), nullable=False),
    Column("raw_type", String(200), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    Column("x", Float),  # EPSG:3006 easting, when the place is known as a point
    Column("y", Float),  # EPSG:3006 northing
    Column("area_code", String(40)),  # joined from x/y, or given when only the area is known
    Column("location_precision", String(20), nullable=False),  # punkt | ort | område | kommun | län
    Column("harm_weight", Float, nullable=False),
    Column("description", Text),  # screened for personal identity numbers before storage
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    UniqueConstraint("source", "source_id"),
    Index("ix_incidents_occurred_at", "occurred_at"),
    Index("ix_incidents_area_code", "area_code"),
)

survey_responses = Table(
    "survey_responses",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("wave", String(20), nullable=False),  # e.g. "2025" for the September 2025 survey
    Column("respondent_id", String(100), nullable=False),
    Column("answered_on", Date),
    Column("area_code", String(40)),
    Column("safety_answer", String(40)),  # NTU scale answer, or vet_ej / går_aldrig_ut
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    # Free-text comment, screened for personnummer at import; shown to the polis role only and
    # never aggregated into anything public.
    Column("comment", Text),
    # Optional "otrygg plats": a place where the respondent feels unsafe (EPSG:3006). Shown only as
    # aggregated clusters, never as single answers.
    Column("unsafe_x", Float),
    Column("unsafe_y", Float),
    UniqueConstraint("source", "wave", "respondent_id"),
)

survey_items = Table(
    "survey_items",
    metadata,
    Column("response_id", Integer, ForeignKey("survey_responses.id"), primary_key=True),
    Column("item", String(60), primary_key=True),
    Column("answer", String(40), nullable=False),
)

partner_indicators = Table(
    "partner_indicators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("area_code", String(40), nullable=False),
    Column("period", String(10), nullable=False),  # "2025", "2025-Q3" or "2025-09"
    Column("indicator", String(200), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(60), nullable=False),
    Column("source", String(200), nullable=False),  # e.g. "Falkenbergs kommun, felanmälan"
    Column("import_id", Integer, ForeignKey("imports.id"), nullable=False),
    Column("synthetic", Boolean, nullable=False, default=False),
    UniqueConstraint("area_code", "period", "indicator", "source"),
)


promise_activities = Table(
    "promise_activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("year", Integer, nullable=False),
    Column("focus", String(60), nullable=False),  # focus area key from data/promise.json
    Column("activity", Text, nullable=False),
    Column("party", String(20), nullable=False),  # polis | kommun | region
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column(
        "status", String(20), nullable=False
    ),  # planerad | pågår | genomförd | försenad | inställd
    Column(
        "indicator", String(40), nullable=False
    ),  # how the tool measures it (geo.analysis.followup.INDICATORS)
    Column("comment", Text),  # screened for personnummer
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


public_releases = Table(
    "public_releases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("released_at", UTCDateTime, nullable=False),
    Column("first_month", String(7), nullable=False),
    Column("last_month", String(7), nullable=False),
    # What the release showed, nothing more: {"months": [...], "cells": [[area, row, col, text], ...]}.
    # The audit of every later release takes it as what an attacker already knows.
    Column("content_json", Text, nullable=False),
    Column("content_sha256", String(64), nullable=False),
)


presence_entries = Table(
    "presence_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("area_code", String(40), nullable=False),
    Column("x", Float),  # optional point inside the area (EPSG:3006)
    Column("y", Float),
    Column("route_wkt", Text),  # optional route inside the area: WKT LineString, EPSG:3006
    Column("planned_start", UTCDateTime, nullable=False),
    Column("planned_end", UTCDateTime, nullable=False),
    Column("unit", String(60), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("purpose", Text, nullable=False),
    Column("promise_activity", String(200)),
    Column("status", String(20), nullable=False),  # planerad | genomförd | inställd
    Column("actual_start", UTCDateTime),
    Column("actual_end", UTCDateTime),
    Column("tactics", Text),
    Column("notes", Text),  # screened for personnummer before storage
    Column("source", String(20), nullable=False),  # manuell | förslag | gps | demo
    Column("synthetic", Boolean, nullable=False, default=False),
    Column("version", Integer, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # The shift pattern (presence_shifts.name) the visit is planned in; empty for GPS stays and
    # entries made before units and shifts existed (migration 0007).
    Column("shift", String(40)),
    Index("ix_presence_entries_planned_start", "planned_start"),
    Index("ix_presence_entries_unit", "unit"),
)

# Units and shift patterns of the lokalpolisområde: data the police edit, versioned like the log.
# A unit is never in two places at once: checked under the write lock (SQLite) and, on PostgreSQL,
# by an exclusion constraint on (unit, tstzrange(planned_start, planned_end)) from migration 0007.
presence_units = Table(
    "presence_units",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(60), nullable=False),
    Column("kind", String(10), nullable=False),  # bil | fot | cykel | MC
    Column("home_base", String(100), nullable=False),  # a locality in FACTS §1.3 or an area code
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("name"),
)

presence_shifts = Table(
    "presence_shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(40), nullable=False),
    Column("start_time", String(5), nullable=False),  # "07:00", Swedish local time
    Column(
        "end_time", String(5), nullable=False
    ),  # "16:00"; "24:00" or earlier than start: next day
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("name"),
)

# Every change to a unit or a shift pattern (append-only, like presence_audit: triggers in 0007).
presence_register_audit = Table(
    "presence_register_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("register", String(10), nullable=False),  # enhet | pass
    Column("row_id", Integer, nullable=False),
    Column("action", String(20), nullable=False),  # skapad | ändrad
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("before_json", Text),
    Column("after_json", Text),
)

presence_audit = Table(
    "presence_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_id", Integer, ForeignKey("presence_entries.id"), nullable=False),
    Column(
        "action", String(20), nullable=False
    ),  # skapad | ändrad | inställd | genomförd | konflikt
    Column("changed_by", String(200), nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("before_json", Text),
    Column("after_json", Text),
    Index("ix_presence_audit_entry_id", "entry_id"),
)

# The allow-list of people who may log in (migration 0008), edited by the admin role. ``login`` is
# the OIDC subject or the e-mail address (lower case); no personnummer is stored.
app_users = Table(
    "app_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(320), nullable=False),
    Column("organisation", String(20), nullable=False),  # polis | kommun | region
    Column("role", String(20), nullable=False),  # admin | polis | samverkan | publik
    Column("active", Boolean, nullable=False, default=True),
    Column("version", Integer, nullable=False),
    Column("updated_by", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("login"),
)

# Who viewed, exported or changed which data (append-only: triggers in 0008 on both databases).
access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("user", String(200), nullable=False),  # "subject (organisation)", screened
    Column("organisation", String(20)),
    Column("role", String(20), nullable=False),
    Column("action", String(20), nullable=False),  # visning | export | ändring | inloggning | nekad
    Column("page", String(40)),
    Column("target", String(200)),  # what: a file name, a table, a user
    Column("details_json", Text),  # filters and other context, JSON
    Index("ix_access_log_at", "at"),
)
