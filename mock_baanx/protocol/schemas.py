"""The JSON Schemas under `schemas/`, loaded once, and into a `referencing` registry once.

The same validators check the mock's own replies (strict mode, and the test suite), the
fixtures users write, and the live API's replies in the contract tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from .resources import bundled

if TYPE_CHECKING:
    # At run time these are imported on first use: only an invalid instance needs the
    # Python validator, and importing it with its registry would weigh on the mock's
    # start-up (docs/performance.md).
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

SCHEMA_BASE = "https://mock-baanx.example/schemas/"


def _schema_files(folder: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            yield from _schema_files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".json"):
            yield prefix + entry.name, entry


def _load() -> dict[str, dict[str, Any]]:
    by_name: dict[str, dict[str, Any]] = {}
    for name, file in _schema_files(bundled("schemas")):
        contents = json.loads(file.read_text(encoding="utf-8"))
        if contents.get("$id") != SCHEMA_BASE + name:
            raise RuntimeError(f"schemas/{name}: $id must be {SCHEMA_BASE + name}")
        by_name[name] = contents
    return by_name


SCHEMAS = _load()
# The same files, compiled by a validator written in Rust: it only says yes or no, far
# faster, so that checking every request and reply costs next to nothing. Messages always
# come from the Python validator.
FAST_REGISTRY = jsonschema_rs.Registry([(schema["$id"], schema) for schema in SCHEMAS.values()])


@cache
def registry() -> Registry:
    """Every schema, by `$id`, for the Python validator to resolve `$ref`s."""
    from referencing import Registry, Resource

    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in SCHEMAS.values()
    ).crawl()


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator of `schemas/<name>`, e.g. `error.json` or `fixtures/users.json`."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(SCHEMAS[name], registry=registry())


@cache
def fast_validator(name: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(SCHEMAS[name], registry=FAST_REGISTRY)


def is_valid(name: str, instance: object) -> bool:
    try:
        return bool(fast_validator(name).is_valid(instance))
    except (ValueError, TypeError, OverflowError):
        # A value JSON cannot carry (an infinite float from `1e999`, a huge integer): let
        # the Python validator judge it.
        return validator(name).is_valid(instance)


@dataclass(frozen=True, slots=True)
class Problem:
    """One way an instance breaks its schema, in terms a person can act on."""

    json_path: str
    rule: str
    actual: Any
    message: str

    def __str__(self) -> str:
        return f"{self.json_path}: {self.message}"


def _problem(error: ValidationError) -> Problem:
    return Problem(json_path=error.json_path, rule=str(error.validator), actual=error.instance,
                   message=error.message)


def problems(name: str, instance: object) -> list[Problem]:
    """Every problem of `instance` against `schemas/<name>`, in document order."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(map(str, e.path)))
    return [_problem(error) for error in errors]


def first_error(name: str, instance: object) -> ValidationError | None:
    """The most telling error of `instance` against `schemas/<name>`, if any."""
    if is_valid(name, instance):
        return None
    from jsonschema.exceptions import best_match

    error: ValidationError | None = best_match(validator(name).iter_errors(instance))
    return error
