"""A full or read-only disk, abandoned uploads and error details: what users and operators see.

The disks are real: a tmpfs of a few hundred kB (full) and one remounted read-only, mounted for
the test (the tests run as root, in CI too) and unmounted afterwards; ``/dev/full`` answers every
write with ENOSPC.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from geo.errors import StorageError, log_unexpected, storage_error
from geo.io.uploads import UploadArea
from geo.store.database import make_engine, migrate
from tests.conftest import new_store

ROOT = Path(__file__).resolve().parent.parent


def _mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"tmpfs kunde inte monteras (testet kräver root): {done.stderr}")


@pytest.fixture
def mounts() -> Iterator[list[Path]]:
    """Folders mounted during a test, unmounted afterwards whatever happened."""
    mounted: list[Path] = []
    yield mounted
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LAGESBILD_DATA_DIR": str(data_dir)}
    env.pop("LAGESBILD_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _incident_file(path: Path, rows: int) -> Path:
    lines = [
        f"H{k};2025-{k % 12 + 1:02d}-{k % 27 + 1:02d}T12:00:00+01:00;Stöld;{347000 + k % 500};6309800;"
        f"Cykel stulen vid entrén, ärende {k} med en lång beskrivning som tar plats i databasen"
        for k in range(rows)
    ]
    path.write_text("id;tidpunkt;typ;x;y;beskrivning\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _incidents(database: Path) -> int:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return int(connection.execute("SELECT count(*) FROM incidents").fetchone()[0])


# --- Recognising storage failures ---------------------------------------------------------------


def test_a_write_to_a_full_device_is_a_swedish_storage_error() -> None:
    with pytest.raises(OSError) as raised, open("/dev/full", "wb") as handle:
        handle.write(b"x" * 10)
    assert raised.value.errno == errno.ENOSPC
    found = storage_error(raised.value)
    assert isinstance(found, StorageError)
    assert "Lagringsutrymmet är fullt" in str(found) and "Frigör utrymme" in str(found)


@pytest.mark.sqlite_only(reason="the SQLite file on a full or read-only disk")
def test_a_read_only_database_is_recognised_through_sqlalchemy(tmp_path: Path) -> None:
    new_store(tmp_path, "ro.db").dispose()
    engine = create_engine(
        "sqlite:///file:" + str(tmp_path / "ro.db") + "?mode=ro&uri=true",
    )
    with pytest.raises(OperationalError) as raised, engine.begin() as connection:
        connection.execute(text("DELETE FROM incidents"))
    found = storage_error(raised.value)
    assert isinstance(found, StorageError) and "skrivskyddad" in str(found)
    assert storage_error(ValueError("något annat")) is None
    engine.dispose()


def test_the_error_log_never_raises_on_a_read_only_data_dir(
    tmp_path: Path, mounts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ro"
    _mount_tmpfs(folder, "256k")
    mounts.append(folder)
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(folder))
    assert log_unexpected("Traceback: ett test") is None  # to the process log instead


# --- The command line on a full and on a read-only disk -----------------------------------------


@pytest.mark.sqlite_only(reason="the SQLite file on a full or read-only disk")
def test_import_on_a_full_disk_says_so_in_swedish_and_changes_nothing(
    tmp_path: Path, mounts: list[Path]
) -> None:
    data = tmp_path / "full"
    _mount_tmpfs(data, "1200k")
    mounts.append(data)
    engine = new_store(data, "lagesbild.db")
    engine.dispose()
    before = _incidents(data / "lagesbild.db")
    filler = data / "fyllnad"
    with open(filler, "wb") as handle:  # leave about 100 kB of the disk free
        free = shutil.disk_usage(data).free - 100_000
        handle.write(b"\0" * max(free, 0))
    source = _incident_file(tmp_path / "handelser.csv", 3000)
    done = _cli("import", "incidents", str(source), "--by", "test", data_dir=data)
    assert done.returncode == 3, done.stderr
    assert "Lagringsutrymmet är fullt" in done.stderr and "Traceback" not in done.stderr
    assert str(data / "lagesbild.db") in done.stderr
    filler.unlink()
    assert _incidents(data / "lagesbild.db") == before  # the import was rolled back whole


@pytest.mark.sqlite_only(reason="the SQLite file on a full or read-only disk")
def test_commands_on_a_read_only_disk_say_so_in_swedish(tmp_path: Path, mounts: list[Path]) -> None:
    data = tmp_path / "ro"
    _mount_tmpfs(data, "4m")
    mounts.append(data)
    engine = new_store(data, "lagesbild.db")
    engine.dispose()
    subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
    source = _incident_file(tmp_path / "handelser.csv", 20)
    done = _cli("import", "incidents", str(source), "--by", "test", data_dir=data)
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.startswith("Avbrutet: ")
    assert "skrivskyddad" in done.stderr and "monterat skrivskyddat" in done.stderr
    publish = _cli("publish", "--out", str(data / "site"), data_dir=data)
    assert publish.returncode == 3 and "Traceback" not in publish.stderr


# --- The upload area ----------------------------------------------------------------------------


def test_uploads_are_private_and_discarded(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "uploads")
    path = area.save("../../etc/passwd", b"id;tid\n")
    assert path.name == "passwd" and path.parent.parent == tmp_path / "uploads" / area.process
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "uploads").stat().st_mode & 0o777) == "0o700"
    area.discard(path)
    assert not path.exists() and not path.parent.exists()
    outside = tmp_path / "annan" / "fil.csv"
    outside.parent.mkdir()
    outside.write_text("x")
    area.discard(outside)  # never deletes outside the upload area
    assert outside.exists()


def test_a_restart_sweeps_what_the_previous_server_left(tmp_path: Path) -> None:
    root = tmp_path / "uploads"
    child = subprocess.run(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from geo.io.uploads import UploadArea; "
         "print(UploadArea(Path(sys.argv[1])).save('handelser.csv', b'data'))", str(root)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    left_behind = Path(child.stdout.strip())
    assert left_behind.exists()  # the old server is gone, its upload is still on disk
    running = UploadArea(root)
    kept = running.save("pågår.csv", b"x")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        alive = root / f"{other.pid}-{'0' * 16}" / "u-1" / "annan.csv"
        alive.parent.mkdir(parents=True)
        alive.write_bytes(b"annan server")
        result = running.sweep()
        assert not left_behind.exists() and not left_behind.parent.parent.exists()
        assert result.files == 1 and result.folders == 1
        assert kept.exists() and alive.exists()  # this server's and a running server's uploads
    finally:
        other.kill()
        other.wait()
    assert running.sweep().folders == 1 and not alive.exists()  # that server stopped too


def test_an_abandoned_check_is_swept_after_the_max_age(tmp_path: Path) -> None:
    area = UploadArea(tmp_path / "uploads")
    old = area.save("gammal.csv", b"x")
    fresh = area.save("ny.csv", b"y")
    hours_ago = time.time() - 9 * 3600
    os.utime(old, (hours_ago, hours_ago))
    os.utime(old.parent, (hours_ago, hours_ago))
    assert area.sweep(max_age=dt.timedelta(hours=8)).files == 1
    assert not old.exists() and fresh.exists()


def test_an_upload_area_someone_else_made_is_refused(tmp_path: Path) -> None:
    from geo.errors import ConfigError

    root = tmp_path / "uploads"
    root.symlink_to(tmp_path)
    with pytest.raises(ConfigError, match="Uppladdningsmappen"):
        UploadArea(root).save("a.csv", b"x")


# --- Configuration ------------------------------------------------------------------------------


def test_streamlit_config_hides_error_details_and_data_export() -> None:
    from streamlit import config

    values = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    client = values["client"]
    assert client["showErrorDetails"] == config.ShowErrorDetailsConfigOptions.NONE.value
    assert client["showErrorDetails"] in {o.value for o in config.ShowErrorDetailsConfigOptions}
    assert client["toolbarMode"] in {"viewer", "minimal"}
    assert client["disableDataExport"] is True  # the grid's CSV download would not neutralise
    assert client["showErrorLinks"] is False
    for section, options in values.items():  # every option is one Streamlit 1.67 knows
        if isinstance(options, dict):
            for name in options:
                if not isinstance(options[name], dict):
                    assert f"{section}.{name}" in config._config_options_template, name


# --- In a real browser: escaped user text, and no error details ----------------------------------

HOSTILE_MARKDOWN = [
    ":material/warning: Larm",
    ":material_home: hem",
    ":streamlit: logga",
    ":smile: :+1: :tada:",
    "https://evil.example/phish?x=1",
    "www.evil.example",
    "kontakt@evil.example",
    "mailto:x@evil.example",
    "![bild](https://evil.example/x.png)",
    "[klicka](javascript:alert(1))",
    ":red[röd text] :blue-background[bakgrund]",
    "<b>fet</b> <img src=x onerror=alert(1)>",
    "$x^2$ och $$y$$",
    "# Rubrik",
    "- lista",
]

APP = """
import streamlit as st
from ui.strings import md

HOSTILE = {hostile!r}
if st.query_params.get("fel"):
    raise RuntimeError("hemlig-detalj-4711 i /var/lib/lagesbild/lagesbild.db")
for number, value in enumerate(HOSTILE):
    with st.container(key=f"rad{{number}}"):
        st.markdown(md(value))
        st.caption(md(value))
"""


@pytest.fixture
def hardening_app(tmp_path: Path) -> Iterator[str]:
    from tests.test_browser import _free_port, _need_browser

    _need_browser()
    script = tmp_path / "app.py"
    script.write_text(APP.format(hostile=HOSTILE_MARKDOWN), encoding="utf-8")
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LAGESBILD_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/_stcore/health")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_for(url: str) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} svarade inte")


@pytest.mark.browser
def test_hostile_text_renders_as_plain_text_and_errors_show_no_details(
    hardening_app: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    from tests.test_browser import CHROMIUM, CHROMIUM_ARGS

    requests: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profil"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS,
        )  # fmt: skip
        page = context.new_page()
        context.on("request", lambda request: requests.append(request.url))
        page.goto(hardening_app)
        last = len(HOSTILE_MARKDOWN) - 1
        page.wait_for_selector(
            f".st-key-rad{last} [data-testid=stCaptionContainer]", timeout=60_000
        )
        for number, value in enumerate(HOSTILE_MARKDOWN):
            row = page.locator(f".st-key-rad{number}")
            blocks = row.locator("[data-testid=stMarkdown]")
            assert blocks.count() == 2, row.inner_html()
            for block in (blocks.nth(0), blocks.nth(1)):
                shown = " ".join(block.inner_text().replace("\u2060", "").split())
                assert shown == " ".join(value.split()), value
                for forbidden in ("a", "img", "[data-testid=stIconMaterial]", "span[role=img]",
                                  ".katex", "h1", "li", "b", "span[style]"):  # fmt: skip
                    assert block.locator(forbidden).count() == 0, (value, forbidden)
        assert not [u for u in requests if "evil.example" in u]
        page.goto(hardening_app + "/?fel=1")
        page.wait_for_selector("[data-testid=stException], [data-testid=stAlert]", timeout=60_000)
        text = page.locator("body").inner_text()
        assert "hemlig-detalj-4711" not in text and "/var/lib/lagesbild" not in text
        assert "Traceback" not in text and "RuntimeError" not in text
        context.close()


# --- The page boundary ----------------------------------------------------------------------------

PAGE = """
import sqlite3, sys
from ui.boundary import run_page

def page():
    kind = __import__("os").environ["H3_FAULT"]
    if kind == "readonly":
        connection = sqlite3.connect("file:" + __import__("os").environ["H3_DB"] + "?mode=ro", uri=True)
        connection.execute("DELETE FROM incidents")
    elif kind == "full":
        with open("/dev/full", "wb") as handle:
            handle.write(b"x")
    else:
        raise RuntimeError("hemlig-detalj-4711")

run_page(page)
"""


@pytest.mark.parametrize(
    ("fault", "expected"),
    [("readonly", "skrivskyddad"), ("full", "Lagringsutrymmet är fullt"), ("bug", "oväntat fel")],
)
def test_a_failing_page_says_what_is_wrong_in_swedish(
    fault: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    # The page's own SQLite file (also in the PostgreSQL run): the test is about the boundary.
    own = make_engine(f"sqlite:///{tmp_path / 'ro.db'}")
    migrate(own)
    own.dispose()
    monkeypatch.setenv("H3_FAULT", fault)
    monkeypatch.setenv("H3_DB", str(tmp_path / "ro.db"))
    monkeypatch.setenv("LAGESBILD_DATA_DIR", str(tmp_path))
    script = tmp_path / "sida.py"
    script.write_text(PAGE, encoding="utf-8")
    app = AppTest.from_file(str(script), default_timeout=30).run()
    assert not app.exception
    messages = [e.value for e in app.error]
    assert len(messages) == 1 and expected in messages[0].replace("\\", "").replace("\u2060", "")
    assert "hemlig-detalj" not in messages[0] and "Traceback" not in messages[0]
    if fault == "bug":
        assert "hemlig-detalj-4711" in (tmp_path / "logs" / "fel.log").read_text(encoding="utf-8")
