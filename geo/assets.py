"""Front-end assets we serve ourselves (Leaflet from the XStatic-Leaflet package), never a CDN."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import xstatic.pkg.leaflet as xstatic_leaflet

LEAFLET_FILES = ("leaflet.js", "leaflet.css")


def leaflet_source_dir() -> Path:
    """Where the installed XStatic package keeps Leaflet's files."""
    return Path(xstatic_leaflet.BASE_DIR)


def copy_leaflet(destination: Path) -> Path:
    """Copy Leaflet (JS, CSS, marker images) into ``destination`` if it is missing or outdated.

    Returns
    -------
    Path
        ``destination``.
    """
    source = leaflet_source_dir()
    destination.mkdir(parents=True, exist_ok=True)
    for name in LEAFLET_FILES:
        target = destination / name
        if not target.exists() or not filecmp.cmp(source / name, target, shallow=False):
            shutil.copyfile(source / name, target)
    images = destination / "images"
    if not images.exists():
        shutil.copytree(source / "images", images)
    return destination
