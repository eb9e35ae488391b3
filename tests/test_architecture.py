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
PERIODS = (
    "LOCAL_TZ",
    "LOCAL_TZ_NAME",
    "Period",
    "Filters",
    "ALL_TIME",
    "shift_months",
    "local_midnight",
)
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


PAGE_LINES = 110
"""A page is widgets → view → render: about a hundred lines at most."""


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_pages_import_only_streamlit_and_ui_and_stay_short() -> None:
    """A page composes: its widgets, the view from ui.views, the render. Computing is geo's."""
    offenders = []
    for page in [*(ROOT / "pages").glob("*.py"), ROOT / "dashboard.py"]:
        source = page.read_text(encoding="utf-8")
        offenders += [
            f"{page.name}:{line} import {module}"
            for line, module in _imported_modules(ast.parse(source))
            if module.split(".")[0] not in {"streamlit", "ui", "__future__"}
            and not (page.name == "dashboard.py" and module in {"pathlib"})
        ]
        lines = source.count("\n")
        if lines > PAGE_LINES:
            offenders.append(f"{page.name}: {lines} rader (högst {PAGE_LINES})")
    assert offenders == []


def _opens_a_transaction(source: str, where: str) -> list[str]:
    """``x.begin()`` and ``exec_driver_sql("BEGIN …")``: a transaction opened by hand."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "begin" and not node.args:
            found.append(f"{where}:{node.lineno} {ast.unparse(node)}")
        elif node.func.attr in {"exec_driver_sql", "execute"} and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and str(first.value).strip().upper().startswith(
                "BEGIN"
            ):
                found.append(f"{where}:{node.lineno} {ast.unparse(node)}")
    return found


def test_the_transaction_check_sees_both_forms() -> None:
    source = (
        "with engine.begin() as c:\n    c.exec_driver_sql('BEGIN IMMEDIATE')\n"
        "work.begin(1)\nc.execute('SELECT 1')\n"
    )
    assert _opens_a_transaction(source, "probe.py") == [
        "probe.py:1 engine.begin()",
        "probe.py:2 c.exec_driver_sql('BEGIN IMMEDIATE')",
    ]


def test_only_the_store_opens_a_transaction() -> None:
    """One owner of transactions: every writer works in geo.store.database.unit_of_work (or in
    the unit's connection handed to it); geo/store/database.py alone begins one."""
    owner = ROOT / "geo" / "store" / "database.py"
    hits = [
        hit
        for path in _app_files()
        if path != owner
        for hit in _opens_a_transaction(
            path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
        )
    ]
    assert hits == []
    assert _opens_a_transaction(owner.read_text(encoding="utf-8"), "database.py"), (
        "the owner itself must open them (or this test looks for the wrong thing)"
    )


WRITES = {"unit_of_work", "importing", "insert", "update", "delete", "record_import"}
"""Bare calls that write: a unit of work (or an import's), an import line, SQLAlchemy's
``insert``/``update``/``delete`` (bare names only: ``values.update(…)`` is a dict's)."""


def _geo_writers() -> dict[str, set[str]]:
    """Per geo module, its functions that write, directly or through any geo function they call.

    Direct: they call one of :data:`WRITES`. Through a call: a bare call of a function of the same
    module, or of a name imported from a geo module (at module level or inside the function),
    that writes; repeated until nothing changes (a report that seeds a year is a writer too)."""
    calls: dict[tuple[str, str], set[tuple[str, str]]] = {}
    writers_found: set[tuple[str, str]] = set()
    for path in _python_files("geo"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.asname or alias.name: (node.module, alias.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geo")
            for alias in node.names
        }
        for node in tree.body:
            functions = [node] if isinstance(node, ast.FunctionDef) else []
            if isinstance(node, ast.ClassDef):  # methods count as their class's module functions
                functions = [n for n in node.body if isinstance(n, ast.FunctionDef)]
            for function in functions:
                names = {
                    call.func.id
                    for call in ast.walk(function)
                    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                }
                key = (module, function.name)
                if names & WRITES:
                    writers_found.add(key)
                calls.setdefault(key, set()).update(
                    imported.get(name, (module, name)) for name in names - WRITES
                )
    changed = True
    while changed:
        changed = False
        for key, callees in calls.items():
            if key not in writers_found and callees & writers_found:
                writers_found.add(key)
                changed = True
    writers: dict[str, set[str]] = {}
    for module, name in writers_found:
        writers.setdefault(module, set()).add(name)
    return writers


def test_the_writer_scan_follows_calls() -> None:
    """A function that only calls a writer is a writer (the scan is transitive)."""
    writers = _geo_writers()
    assert "ensure_year" in writers["geo.analysis.followup"]  # direct: a unit of work
    assert "import_file" in writers["geo.commands.presence"]  # through import_presence_file
    assert "import_presence_file" in writers["geo.presence.log_import"]  # through importing


def test_views_never_write() -> None:
    """ui/views/ reads and shapes: no view imports or calls a geo function that writes."""
    writers = _geo_writers()
    assert "create_entry" in writers["geo.presence.log"]  # the scan finds writers at all
    assert "unit_of_work" not in writers.get("geo.store.database", set())
    offenders = []
    for path in (ROOT / "ui" / "views").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in writers:
                for alias in node.names:
                    if alias.name in writers[node.module]:
                        offenders.append(f"{path.name}:{node.lineno} {node.module}.{alias.name}")
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geo"):
                for alias in node.names:
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                module = modules.get(node.value.id)
                if module in writers and node.attr in writers[module]:
                    offenders.append(f"{path.name}:{node.lineno} {module}.{node.attr}")
            if isinstance(node, ast.Name) and node.id == "unit_of_work":
                offenders.append(f"{path.name}:{node.lineno} unit_of_work")
    assert offenders == []


IMPORTERS = {
    "geo/io/ingest.py": "import_incidents",
    "geo/io/surveys.py": "import_survey",
    "geo/io/partners.py": "import_indicators",
    "geo/presence/log_import.py": "import_presence_file",
}


def test_the_four_importers_are_one_pipeline_with_one_report() -> None:
    """Every file import returns geo.io.report.ImportReport and writes only through
    geo.io.report.importing: none opens its own unit of work or writes its own import line."""
    for where, entry in IMPORTERS.items():
        tree = ast.parse((ROOT / where).read_text(encoding="utf-8"))
        calls = {
            call.func.id
            for call in ast.walk(tree)
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        }
        assert "importing" in calls, where
        assert not calls & {"unit_of_work", "record_import"}, (
            where,
            calls & {"unit_of_work", "record_import"},
        )
        function = next(
            node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == entry
        )
        assert function.returns is not None and ast.unparse(function.returns) == "ImportReport", (
            where
        )
    classes = [
        f"{path.relative_to(ROOT)}:{node.name}"
        for path in _python_files("geo")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef)
        and node.name.endswith("Report")
        and "import" in node.name.lower()
    ]
    assert classes == ["geo/io/report.py:ImportReport"]


def test_module_level_imports_have_no_cycle() -> None:
    """geo's modules import each other at module level without a cycle (a function-level import
    is how the few sideways uses are made, and ARCHITECTURE.md names them)."""
    graph: dict[str, set[str]] = {}
    for path in _python_files("geo"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        targets = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("geo"):
                targets.add(node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("geo")}
        graph[name] = targets - {name}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append(" → ".join([*trail[trail.index(target) :], target]))
            elif target in graph and target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert "geo.store.database" in graph and graph["geo.areas.layers"]
    assert cycles == []


def test_benches_and_scripts_import_names_that_exist() -> None:
    """bench/ and scripts/ are outside mypy: every geo/ui name they import must exist (a moved
    module broke two benches once, unnoticed until they were run)."""
    import importlib

    missing = []
    for folder in ("bench", "scripts"):
        for path in sorted((ROOT / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.module):
                    continue
                if node.module.split(".")[0] not in ("geo", "ui"):
                    continue
                module = importlib.import_module(node.module)
                for alias in node.names:
                    if hasattr(module, alias.name):
                        continue
                    try:
                        importlib.import_module(f"{node.module}.{alias.name}")
                    except ImportError:
                        missing.append(
                            f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}"
                        )
    assert missing == []
