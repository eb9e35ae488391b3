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
