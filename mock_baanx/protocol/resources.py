"""Where the data that ships with mock-baanx lives: `schemas/` and `fixtures/`."""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def bundled(folder: str) -> Traversable:
    """`folder` ("schemas" or "fixtures") as shipped.

    An installed wheel carries it in the package's `data/` folder; a source checkout, and
    an editable install of one, keep it at the top of the tree beside the package.
    """
    inside = files("mock_baanx") / "data" / folder
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[2] / folder
