"""Rules of the house that code review alone would let slip."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CDN = re.compile(r"cdn\.jsdelivr|cdnjs\.cloudflare|unpkg\.com|code\.jquery\.com|bootstrapcdn")


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_geo_never_imports_streamlit() -> None:
    offenders = []
    for path in _python_files("geo"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in {"streamlit", "streamlit_folium", "ui"}
            ]
    assert offenders == []


def test_no_cdn_links_in_the_project() -> None:
    hits = [
        str(p.relative_to(ROOT))
        for p in [*_python_files("geo", "ui", "pages"), ROOT / "dashboard.py"]
        if CDN.search(p.read_text(encoding="utf-8"))
    ]
    assert hits == []


def test_every_page_runs_the_guard_first() -> None:
    for page in (ROOT / "pages").glob("*.py"):
        tree = ast.parse(page.read_text(encoding="utf-8"))
        calls = [
            node for node in tree.body
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
        ]  # fmt: skip
        first = calls[0].value if calls else None
        assert isinstance(first, ast.Call) and getattr(first.func, "id", "") == "require_page", (
            page.name
        )


def test_every_page_in_the_access_table_exists() -> None:
    from ui.auth import PAGE_ACCESS

    pages = {p.stem for p in (ROOT / "pages").glob("*.py")}
    assert {key for keys in PAGE_ACCESS.values() for key in keys} <= pages


def test_official_polygons_never_ship() -> None:
    """../shared/geo is for tests only: its UUIDs must not appear outside tests/."""
    markers = ("97CFA5E5-9060", "CC86A812-DA98", "12.4976527615", "56.9055922991")
    shipped = [
        p
        for p in ROOT.rglob("*")
        if p.is_file()
        and ".venv" not in p.parts
        and ".git" not in p.parts
        and "tests" not in p.parts
    ]
    leaks = [
        str(p)
        for p in shipped
        if p.suffix in {".py", ".json", ".geojson", ".md", ".csv"}
        and any(m in p.read_text(encoding="utf-8", errors="ignore") for m in markers)
    ]
    assert leaks == []


APP = ("geo", "ui", "pages")
"""The application: what runs in the server. tests/ and bench/ are exempt from the private-name
rule below: they test and time internal stages on purpose (a unit's helper, the store's row
conversion against other strategies), and no application module imports them."""
PERIODS = ("LOCAL_TZ", "LOCAL_TZ_NAME", "Period", "shift_months", "local_midnight")
"""What geo/periods.py owns."""


def _app_files() -> list[Path]:
    return [*_python_files(*APP), ROOT / "dashboard.py"]


def test_the_local_time_zone_is_named_in_one_file() -> None:
    """Swedish local time has one owner, geo/periods.py; everyone else imports LOCAL_TZ."""
    naming = [
        str(p.relative_to(ROOT))
        for p in _app_files()
        if "europe/stockholm" in p.read_text(encoding="utf-8").lower()
    ]
    assert naming == ["geo/periods.py"]


def test_local_time_and_periods_are_imported_from_their_owner() -> None:
    """No second way through the house: the zone and Period come from geo.periods only, never
    through another module that happens to import them (geo.io.times, geo.analysis.indicators)."""
    from geo import periods

    assert all(getattr(periods, name, None) is not None for name in PERIODS)
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno} from {node.module} import {alias.name}"
        for path in [*_app_files(), *_python_files("tests", "bench")]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module != "geo.periods"
        for alias in node.names
        if alias.name in PERIODS
    ]
    assert offenders == []


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(source: str, where: str) -> list[str]:
    """``from x import _y`` (any module) and ``x._y`` where ``x`` is an application module."""
    tree = ast.parse(source)
    modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [
                f"{where}:{node.lineno} from {node.module} import {a.name}"
                for a in node.names
                if _private(a.name)
            ]
            if node.module.split(".")[0] in APP:
                modules |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            modules |= {
                a.asname or a.name.split(".")[0] for a in node.names if a.name.split(".")[0] in APP
            }
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                found.append(f"{where}:{node.lineno} {ast.unparse(node)}")
    return found


def test_the_private_name_check_sees_both_forms() -> None:
    source = (
        "import geo.store.database\nfrom geo import ingest\nfrom geo.presence.log import _audit, create_entry\n"
        "geo.store.database._records(None)\ningest._write(1)\nself._ok = 1\nfrom os import _exit\n"
        "ingest.__name__\n"
    )
    assert _private_uses(source, "probe.py") == [
        "probe.py:3 from geo.presence.log import _audit",
        "probe.py:7 from os import _exit",
        "probe.py:4 geo.store.database._records",
        "probe.py:5 ingest._write",
    ]


def test_no_application_module_uses_another_modules_private_names() -> None:
    """A leading underscore means "this module only": a helper another module needs is public
    (or moves to where both can import it)."""
    hits = [
        hit
        for path in _app_files()
        for hit in _private_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    ]
    assert hits == []
