"""The upload area: where files uploaded on the pages wait for their check and import, and its cleaning.

An upload is raw incident, survey or presence data. It lives in its own 0700 folder under
``<tmp>/lagesbild-uploads-<uid>/<pid>-<token>/`` and is deleted after the import, when replaced, or
when the check is abandoned: :func:`sweep` removes the folders of server processes that are gone
(a restart, a crash) and every upload older than :data:`MAX_AGE`. The server sweeps when it
starts and on a timer (``ui.importing``); ``python -m geo init`` (run before every start by
``run.sh`` and the systemd unit) sweeps too.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from geo.errors import ConfigError

MAX_AGE = dt.timedelta(hours=8)
"""An upload not imported within this time (a working day) counts as an abandoned check."""

SWEEP_EVERY = dt.timedelta(minutes=30)
"""How often a running server sweeps its upload area."""

_PROCESS_FOLDER = re.compile(r"^(\d+)-([0-9a-f]{16})$")
_LEGACY_PREFIX = "lagesbild-upload-"  # folders written by earlier versions (tempfile.mkdtemp)
_PROCESS_TOKEN = secrets.token_hex(8)
"""Set once per process: a folder with this process's id but another token is a dead
predecessor's (process ids are reused after a restart)."""


def default_root() -> Path:
    """``<system temp dir>/lagesbild-uploads-<uid>`` (private to the service's user)."""
    return Path(tempfile.gettempdir()) / f"lagesbild-uploads-{os.getuid()}"


def _private_folder(path: Path) -> Path:
    """Create ``path`` as a 0700 folder, or check that an existing one is ours and private."""
    try:
        path.mkdir(mode=0o700, parents=False, exist_ok=False)
    except FileExistsError:
        info = path.lstat()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            raise ConfigError(
                f"Uppladdningsmappen {path} är inte en mapp som tjänstens användare äger; ta bort "
                "den (någon annan kan ha skapat den) och starta om."
            ) from None
        if stat.S_IMODE(info.st_mode) != 0o700:
            path.chmod(0o700)
    return path


@dataclass(frozen=True)
class SweepResult:
    """What one sweep removed."""

    folders: int
    files: int


class UploadArea:
    """One server process's uploads under a shared root.

    Parameters
    ----------
    root
        The upload root; defaults to :func:`default_root`.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or default_root()
        self.process = f"{os.getpid()}-{_PROCESS_TOKEN}"

    @property
    def folder(self) -> Path:
        """The folder of this process (created on first use)."""
        _private_folder(self.root)
        return _private_folder(self.root / self.process)

    def save(self, name: str, data: bytes) -> Path:
        """Write an upload to a new private folder of its own, keeping a safe form of its name."""
        safe = re.sub(r"[^\w.\-]", "_", Path(name).name) or "upload"
        folder = Path(tempfile.mkdtemp(prefix="u-", dir=self.folder))
        path = folder / safe
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        return path

    def discard(self, path: str | Path | None) -> None:
        """Delete an upload and its folder (after the import, or when replaced)."""
        if not path:
            return
        folder = Path(path).parent
        if folder.parent == self.root / self.process or folder.name.startswith(_LEGACY_PREFIX):
            shutil.rmtree(folder, ignore_errors=True)

    def sweep(self, *, max_age: dt.timedelta = MAX_AGE, now: float | None = None) -> SweepResult:
        """Remove abandoned uploads.

        Every folder of a server process that no longer runs (or of an earlier process with this
        one's id), every upload older than ``max_age``, and folders left by earlier versions in the
        temp dir. Uploads of other running servers younger than ``max_age`` are kept.
        """
        moment = time.time() if now is None else now
        limit = moment - max_age.total_seconds()
        folders = files = 0
        if self.root.is_dir():
            for process in self.root.iterdir():
                match = _PROCESS_FOLDER.match(process.name)
                if match is None or not process.is_dir() or process.is_symlink():
                    continue
                gone = process.name != self.process and (
                    int(match[1]) == os.getpid() or not _running(int(match[1]))
                )
                for upload in list(process.iterdir()):
                    if gone or _newest(upload) < limit:
                        files += sum(1 for p in upload.rglob("*") if p.is_file())
                        shutil.rmtree(upload, ignore_errors=True)
                if gone:
                    shutil.rmtree(process, ignore_errors=True)
                    folders += 1
        legacy_root = Path(tempfile.gettempdir())
        for legacy in legacy_root.glob(_LEGACY_PREFIX + "*"):
            ours = (
                legacy.is_dir() and not legacy.is_symlink() and legacy.lstat().st_uid == os.getuid()
            )
            if ours and _newest(legacy) < limit:
                files += sum(1 for p in legacy.rglob("*") if p.is_file())
                shutil.rmtree(legacy, ignore_errors=True)
                folders += 1
        return SweepResult(folders=folders, files=files)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process with that id: not ours to judge, keep
    return True


def _newest(path: Path) -> float:
    """Return the newest modification time in a folder (or of a file)."""
    try:
        times = [path.lstat().st_mtime] + [p.lstat().st_mtime for p in path.rglob("*")]
    except FileNotFoundError:
        return 0.0
    return max(times)
