"""Loading fixtures (clients, users, products, lifecycles) from JSON or YAML files.

The defaults ship in `fixtures/`. A user's fixtures are a folder laid out the same way
(`clients.json`, `users.yaml`, `products.json`, `lifecycles/<name>.json`…), one file with
the keys `clients`, `users`, `products`, `lifecycles`, or (from Python) a dict of that same
shape. A kind given as a list replaces the default of that kind, as `{"add": [...]}` adds
to it; lifecycles are added to the built-in ones (one of the same name replaces a
built-in). Every file is validated against its schema, and a bad one is a FixtureError
naming the file and the field; so is a folder holding a file the mock would not read.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..core import Fixtures
from ..protocol.fixtures import KINDS, FixtureError, checked, fixtures_from
from ..protocol.routes import ROUTES
from ..protocol.schemas import bundled
from ..protocol.stubs import refusal

SUFFIXES = (".json", ".yaml", ".yml")
EXPECTED = ("clients, users, products or stubs (.json, .yaml or .yml), or a lifecycles/ "
            "folder of <name>.json, .yaml or .yml files")

__all__ = ["FixtureError", "load_fixtures"]


def load_fixtures(fixtures: str | Path | Mapping[str, Any] | None = None, *,
                  extended_statuses: bool = False) -> Fixtures:
    """The default fixtures, with what `fixtures` (a folder, one file of them all, one
    kind's file such as `stubs.yaml`, or a dict shaped like one file of them all) replaces
    or adds. `extended_statuses` lets its lifecycles use PENDING and
    REFUNDED."""
    defaults = _read_folder(bundled("fixtures"), extended=True)
    if fixtures is None:
        return fixtures_from({}, defaults)
    # Where each kind sits in its file: under its name in a file of them all.
    places: dict[str, str] = {}
    if isinstance(fixtures, Mapping):
        given = _read_combined(dict(fixtures), "fixtures dict", extended_statuses)
        places = {kind: f"$.{kind}" for kind in given}
    else:
        path = Path(fixtures)
        if path.is_dir():
            try:
                given = _read_folder(path, extended_statuses)
            except OSError as error:  # a folder that cannot be listed
                raise FixtureError(path, f"cannot be read: {error.strerror or error}"
                                   ) from None
            if not given:
                raise FixtureError(path, f"no fixtures found: expected {EXPECTED}")
        elif path.is_file():
            contents = _parsed(path)
            stem = path.name.rpartition(".")[0]
            if stem in (*KINDS, "stubs") and isinstance(contents, list):
                # One kind's file on its own (`stubs.yaml`), as a folder would hold it.
                given = {stem: (checked(contents, f"fixtures/{stem}.json", path), str(path))}
            elif isinstance(contents, list):
                # A list is one kind's, and only its file's name says which.
                raise FixtureError(path, "is a list, which a file holds on its own only under "
                                         "its kind's name (stubs.yaml, users.yaml, "
                                         "products.yaml, clients.yaml): rename it, or give "
                                         "an object of kinds ({stubs: [...]})")
            else:
                given = _read_combined(contents, str(path), extended_statuses)
                places = {kind: f"$.{kind}" for kind in given}
        else:
            raise FixtureError(path, "no such file or folder")
    loaded = fixtures_from(given, defaults, places)
    for index, stub in enumerate(loaded.stubs):
        refused = refusal(stub, ROUTES)
        if refused is not None:
            raise FixtureError(given["stubs"][1], f"stub {stub.id}: {refused}",
                               f"{places.get('stubs', '$')}[{index}].path")
    return loaded


def _read_folder(folder: Traversable, extended: bool) -> dict[str, Any]:
    # Each document is kept with the file it came from, so that errors found after
    # reading (references between kinds) can still name the file.
    documents: dict[str, Any] = {}
    files = {entry.name: entry for entry in folder.iterdir() if entry.is_file()}
    for name in sorted(files):
        stem, dot, suffix = name.rpartition(".")
        if name.startswith(".") or f".{suffix}" not in SUFFIXES:
            continue
        if stem not in (*KINDS, "stubs"):
            raise FixtureError(files[name], f"is not a fixtures file: expected {EXPECTED}")
        if stem in documents:
            raise FixtureError(folder, f"both {documents[stem][1].rpartition('/')[2]} and "
                                       f"{name} give the {stem}: keep one")
        document = checked(_parsed(files[name]), f"fixtures/{stem}.json", files[name])
        documents[stem] = (document, str(files[name]))
    lifecycle_folder = folder / "lifecycles"
    if lifecycle_folder.is_dir():
        lifecycles: dict[str, Any] = {}
        for file in sorted(lifecycle_folder.iterdir(), key=lambda item: item.name):
            stem, dot, suffix = file.name.rpartition(".")
            if not (dot and f".{suffix}" in SUFFIXES and file.is_file()):
                continue
            if stem in lifecycles:
                raise FixtureError(lifecycle_folder, f"two files give lifecycle {stem!r}: "
                                                     "keep one")
            body = checked(_parsed(file), "fixtures/lifecycle.json", file, extended)
            lifecycles[stem] = (body, str(file))
        documents["lifecycles"] = lifecycles
    return documents


def _read_combined(contents: Any, source: str, extended: bool) -> dict[str, Any]:
    contents = checked(contents, "fixtures/fixtures.json", source, extended)
    documents: dict[str, Any] = {kind: (contents[kind], source) for kind in (*KINDS, "stubs")
                                 if kind in contents}
    if "lifecycles" in contents:
        documents["lifecycles"] = {name: (body, source)
                                   for name, body in contents["lifecycles"].items()}
    return documents


def _parsed(file: Traversable) -> Any:
    """The contents of a JSON or YAML file; a FixtureError naming it if they cannot be read."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FixtureError(file, f"cannot be read: {error}") from None
    if file.name.endswith(".json"):
        try:
            return json.loads(text) if text.strip() else None
        except ValueError as error:
            raise FixtureError(file, f"is not valid JSON: {error}") from None
        except RecursionError:
            raise FixtureError(file, "is nested too deeply") from None
    # Imported here: only YAML fixtures need it, and every start-up would pay for it.
    import yaml

    stream = io.StringIO(text)
    stream.name = str(file)  # so that yaml's own message names the file, not "<unicode string>"
    try:
        return yaml.safe_load(stream)
    except yaml.YAMLError as error:
        # PyYAML says where over several lines: one line here, as every error of the mock.
        raise FixtureError(file, f"is not valid YAML: {' '.join(str(error).split())}") \
            from None
    except ValueError as error:
        # A value YAML reads but Python cannot hold: a date like 2026-02-30, an integer past
        # Python's limit on digits.
        raise FixtureError(file, f"has a value that cannot be read: {error}") from None
    except RecursionError:
        raise FixtureError(file, "is nested too deeply") from None
