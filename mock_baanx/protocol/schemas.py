"""The JSON Schemas under `schemas/`, loaded once, and into a `referencing` registry once;
and where the data that ships with mock-baanx lives (`schemas/` and `fixtures/`).

The same validators check the mock's own replies (strict mode, and the test suite), the
fixtures users write, and the live API's replies in the contract tests.

One verdict on validity: JSON Schema 2020-12's, whose `pattern` is an ECMA-262 regular
expression. `jsonschema` is the reference; its `pattern` keyword is replaced by one that
matches with `regress`, an ECMA-262 engine, rather than Python's `re` (whose `$` lets a
trailing newline through and whose `\\d` takes any Unicode digit). jsonschema-rs, which
speaks ECMA-262 too, answers first because it is fast; tests/protocol/test_schema_patterns.py
runs every pattern of `schemas/` through both and fails on any split verdict.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from ..core.errors import ValidationFailed
from ..core.models import EXTENDED_STATUSES_SWITCH
from .messages import shown

if TYPE_CHECKING:
    # At run time these are imported on first use: only an invalid instance needs the
    # Python validator, and importing it with its registry would weigh on the mock's
    # start-up (docs/performance.md).
    from collections.abc import Iterator as Errors

    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

SCHEMA_BASE = "https://mock-baanx.example/schemas/"


def bundled(folder: str) -> Traversable:
    """`folder` ("schemas" or "fixtures") as shipped.

    An installed wheel carries it in the package's `data/` folder; a source checkout, and
    an editable install of one, keep it at the top of the tree beside the package.
    """
    inside = files("mock_baanx") / "data" / folder
    if inside.is_dir():
        return inside
    return Path(__file__).resolve().parents[2] / folder


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


EXTENDED_VALUES = "x-extended-values"


def _extended(node: Any) -> Any:
    """`node` with every enum that names extended values widened by them."""
    if isinstance(node, list):
        return [_extended(item) for item in node]
    if not isinstance(node, dict):
        return node
    widened = {key: _extended(value) for key, value in node.items()}
    if EXTENDED_VALUES in node and "enum" in node:
        widened["enum"] = [*node["enum"], *node[EXTENDED_VALUES]]
    return widened


SCHEMAS = _load()
# The same schemas with the statuses real clients know but the docs do not (each enum's
# `x-extended-values`) allowed: what a mock with extended statuses on is held to.
EXTENDED_SCHEMAS = {name: _extended(schema) for name, schema in SCHEMAS.items()}


def _schemas(extended: bool) -> dict[str, dict[str, Any]]:
    return EXTENDED_SCHEMAS if extended else SCHEMAS


@cache
def fast_registry(extended: bool = False) -> jsonschema_rs.Registry:
    # The same files, compiled by a validator written in Rust: it only says yes or no, far
    # faster, so that checking every request and reply costs next to nothing. Messages
    # always come from the Python validator.
    return jsonschema_rs.Registry([(schema["$id"], schema)
                                   for schema in _schemas(extended).values()])


def _as_the_reference_reads(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without its `$schema`: every file is 2020-12, and a `$ref` into a file that
    names its dialect would have jsonschema judge that file with the stock validator of the
    dialect (`validator_for`), whose `pattern` is Python's `re`, not ECMA-262's."""
    return {key: value for key, value in schema.items() if key != "$schema"}


@cache
def registry(extended: bool = False) -> Registry:
    """Every schema, by `$id`, for the Python validator to resolve `$ref`s."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(_as_the_reference_reads(schema)))
        for schema in _schemas(extended).values()
    ).crawl()


@cache
def validator(name: str, extended: bool = False) -> Validator:
    """The validator of `schemas/<name>`, e.g. `error.json` or `fixtures/users.json`;
    `extended` allows the statuses real clients know but the docs do not."""
    return validator_class()(_as_the_reference_reads(_schemas(extended)[name]),
                             registry=registry(extended))


@cache
def validator_class() -> type[Validator]:
    """JSON Schema 2020-12's validator, with `pattern` matched as ECMA-262 matches."""
    from jsonschema import Draft202012Validator, validators

    extended: type[Validator] = validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, {"pattern": ecma_pattern})
    return extended


def ecma_pattern(validator: Validator, pattern: str, instance: Any, schema: Any
                 ) -> Errors[ValidationError]:
    """The `pattern` keyword: `instance`, a string, matches the ECMA-262 regular expression
    `pattern` somewhere (patterns are not anchored unless they say so)."""
    if validator.is_type(instance, "string") and ecma_regex(pattern).find(
            ecma_text(instance)) is None:
        from jsonschema.exceptions import ValidationError

        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def ecma_regex(pattern: str) -> Any:
    import regress

    return regress.Regex(pattern, "u")


def ecma_text(text: str) -> str:
    """`text` as a regular expression engine can take it: a lone surrogate (which JSON's
    `\\ud800` escapes can give) read as U+FFFD, the same for every engine."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


@cache
def fast_validator(name: str, extended: bool = False) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(_schemas(extended)[name],
                                       registry=fast_registry(extended))


def is_valid(name: str, instance: Any, extended: bool = False) -> bool:
    try:
        return bool(fast_validator(name, extended).is_valid(instance))
    except (ValueError, TypeError, OverflowError):
        # A value the fast engine cannot take (an infinite float from `1e999`, a huge
        # integer, a lone surrogate): the reference judges it.
        return validator(name, extended).is_valid(instance)


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


def problems(name: str, instance: Any, extended: bool = False) -> list[Problem]:
    """Every problem of `instance` against `schemas/<name>`, in document order."""
    errors = sorted(validator(name, extended).iter_errors(instance),
                    key=lambda e: list(map(str, e.path)))
    return [_problem(error) for error in errors]


def schema_problem(schema: Any) -> str | None:
    """What makes `schema` no JSON Schema 2020-12 (a user's, for a stub), if anything: a
    keyword used wrongly, or a `$ref` that leads nowhere (it may lead into `schemas/`)."""
    from jsonschema import Draft202012Validator
    from referencing import Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012

    # As `check_schema` does, with the format checker of a schema that will be matched as
    # ECMA-262.
    meta = Draft202012Validator(Draft202012Validator.META_SCHEMA,
                                format_checker=schema_format_checker())
    for error in meta.iter_errors(schema):
        if error.validator == "format" and error.validator_value == "regex":
            return f"{error.json_path}: {error.instance!r} is no ECMA-262 regular expression"
        return f"{error.json_path}: {error.message}"
    if not isinstance(schema, dict):
        return None
    resource = Resource.from_contents(schema, default_specification=DRAFT202012)
    base = resource.id() or ""
    resolver = registry().with_resource(base, resource).resolver(base_uri=base)
    for where, node, in_another_resource in _subschemas(schema, "$"):
        reference = node.get("$ref")
        # A nested schema with an `$id` of its own is the base of its own references.
        if isinstance(reference, str) and not in_another_resource:
            try:
                resolver.lookup(reference)
            except Unresolvable:
                return f"{where}: $ref {reference!r} leads to no schema"
        patterns = node.get("patternProperties")
        for pattern in patterns if isinstance(patterns, dict) else ():
            # jsonschema matches property names with Python's `re` (no keyword of its
            # takes another engine), which must then take the pattern too.
            try:
                re.compile(pattern)
            except re.error:
                return (f"{where}.patternProperties: {pattern!r} is a pattern only "
                        "ECMA-262 takes; a property name's must be one Python's re takes too")
    try:
        validator_of(schema).is_valid({})
    except RecursionError:
        return "$: refers to itself without end (a $ref back to where it is)"
    return None


@cache
def schema_format_checker() -> Any:
    """2020-12's format checks for a schema itself, with a `pattern` (format "regex")
    judged as ECMA-262, as it will be matched: Python's `re` would let through what the
    match then fails on (`(?P<name>…)`) and refuse what it takes (`\\p{L}`)."""
    from jsonschema import Draft202012Validator, FormatChecker
    from regress import RegressError

    checker = FormatChecker(Draft202012Validator.FORMAT_CHECKER.checkers)

    @checker.checks("regex", raises=RegressError)
    def is_ecma_regex(pattern: object) -> bool:
        return not isinstance(pattern, str) or ecma_regex(pattern) is not None

    return checker


# Keywords whose values are data, not schemas: a "$ref" in them is no reference.
DATA_KEYWORDS = frozenset({"const", "enum", "examples", "default"})


def _subschemas(node: Any, where: str, in_another_resource: bool = False
                ) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """Every object of a schema but those in data (`const`, `enum`…), with where it is and
    whether it lies in a nested schema that sets an `$id` of its own."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _subschemas(item, f"{where}[{index}]", in_another_resource)
    elif isinstance(node, dict):
        yield where, node, in_another_resource
        for key, value in node.items():
            if key not in DATA_KEYWORDS:
                yield from _subschemas(value, f"{where}.{key}", in_another_resource or (
                    where != "$" and isinstance(value, dict) and "$id" in value))


def validator_of(schema: Any) -> Validator:
    """The reference validator of a schema given whole (a user's, for a stub); its `$ref`s
    may lead into `schemas/`, or back to itself, read as 2020-12 there too
    (`_as_the_reference_reads`)."""
    return validator_class()(_as_the_reference_reads(schema) if isinstance(schema, dict)
                             else schema, registry=registry())


def most_telling_error(validator: Validator, instance: Any,
                       counts: Callable[[ValidationError], bool] = lambda error: True
                       ) -> ValidationError | None:
    """The most telling of `validator`'s errors of `instance`, if any, of those that
    `counts`."""
    from jsonschema.exceptions import best_match, by_relevance

    # A field the schema does not know is most often another's name misspelt, which is
    # what also makes that other missing: it is told first.
    relevance = by_relevance(strong=frozenset({"additionalProperties"}))
    error: ValidationError | None = best_match(
        (error for error in validator.iter_errors(instance) if counts(error)), relevance)
    # A value that fits one branch of a oneOf or anyOf by its type (a list where the other
    # branch is an object) is told what is wrong inside that branch, not "not valid under
    # any of the given schemas".
    while error is not None and error.validator in ("oneOf", "anyOf") and error.context:
        fitting = [inner for inner in error.context
                   if not (inner.validator == "type" and not inner.relative_path)]
        if not fitting or len({inner.relative_schema_path[0] for inner in fitting}) != 1:
            break
        error = best_match(fitting, relevance)
    return error


def first_error_against(schema: Any, instance: Any,
                        counts: Callable[[ValidationError], bool] = lambda error: True
                        ) -> ValidationError | None:
    """The most telling error of `instance` against a schema given whole, if any, of those
    that `counts`."""
    return most_telling_error(validator_of(schema), instance, counts)


def first_error(name: str, instance: Any, extended: bool = False) -> ValidationError | None:
    """The most telling error of `instance` against `schemas/<name>`, if any."""
    if is_valid(name, instance, extended):
        return None
    return most_telling_error(validator(name, extended), instance)



# --- The wording of a schema's verdict --------------------------------------------------


def validated(schema: str, value: Any, extended: bool = False) -> dict[str, Any]:
    """`value`, if it is valid against `schemas/<schema>` (with extended statuses allowed
    when `extended`); else a 422 naming the field."""
    error = first_error(schema, value, extended)
    if error is not None:
        raise ValidationFailed(validation_message(error))
    assert isinstance(value, dict)
    return value


def validation_message(error: ValidationError) -> str:
    """A jsonschema error as the 422 text: the field first, then what it must be."""
    schema: Any = error.schema
    if isinstance(schema, dict) and "x-message" in schema:
        return str(schema["x-message"])
    field, problem = field_problem(error)
    where = ".".join(str(part) for part in field) or "request body"
    return f"{where}{problem}" if problem.startswith(":") else f"{where} {problem}"


def field_problem(error: ValidationError) -> tuple[list[str | int], str]:
    """Where a jsonschema error lies (the path to the field, a missing one included) and
    what is wrong there, in words: "is required", "must be one of: …"."""
    path: list[str | int] = list(error.absolute_path)
    expected: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if isinstance(schema, dict) and "x-message" in schema:
        # A rule across fields says itself what is wrong (schemas/control/fault-request.json).
        return path, str(schema["x-message"])
    if error.validator == "required":
        missing = next(name for name in expected if name not in instance)
        return [*path, missing], "is required"
    return path, _what_it_must_be(error, expected, instance)


TYPE_NAMES = {"object": "a JSON object", "array": "a JSON array", "integer": "an integer",
              "string": "a string", "number": "a number", "boolean": "true or false",
              "null": "null"}


def json_type_name(value: Any) -> str:
    """What a JSON value is, in the words TYPE_NAMES uses."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    # An integer past Python's limit on digits is read as a Decimal (messages.parse_json).
    kinds = ((dict, "a JSON object"), (list, "a JSON array"), (str, "a string"),
             (int, "an integer"), (Decimal, "an integer"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "a number")


def _what_it_must_be(error: ValidationError, expected: Any, instance: Any) -> str:
    schema: Any = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "enum":
        message = f"must be one of: {', '.join(map(str, expected))}"
        if instance in schema.get(EXTENDED_VALUES, ()):
            message += (f"; {instance} is seen in real clients but not in the Baanx docs: "
                        f"turn extended statuses on ({EXTENDED_STATUSES_SWITCH})")
        return message
    if error.validator == "pattern" and "x-format" in schema:
        return f"must be {schema['x-format']}, not {shown(instance)}"
    if error.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return ("must be " + " or ".join(TYPE_NAMES.get(str(kind), f"a {kind}") for kind in kinds)
                + f", not {json_type_name(instance)}")
    if (error.validator in ("oneOf", "anyOf") and isinstance(expected, list)
            and all(isinstance(option, dict) and set(option) - {"title"} == {"required"}
                    for option in expected)):
        exactly = "exactly " if error.validator == "oneOf" else ""
        return (f"needs {exactly}one of: "
                f"{', '.join(name for option in expected for name in option['required'])}")
    if error.validator in ("oneOf", "anyOf") and isinstance(expected, list):
        kinds = [option.get("type") if isinstance(option, dict) else None for option in expected]
        if all(isinstance(kind, str) for kind in kinds):
            names = [TYPE_NAMES.get(str(kind), f"a {kind}") for kind in kinds]
            if json_type_name(instance) not in names:
                return f"must be {' or '.join(names)}, not {json_type_name(instance)}"
    if error.validator == "additionalProperties":
        extra = sorted(set(instance) - set(schema.get("properties", {})))
        # Named short, and a few at most: a file that is no fixtures file at all (a text
        # file read as YAML) would otherwise be quoted whole.
        named = [name if len(name) <= 40 else name[:39] + "…" for name in extra[:3]]
        more = f" and {len(extra) - 3} more" if len(extra) > 3 else ""
        return f"has a field it does not know: {', '.join(named)}{more}"
    # jsonschema's own words quote the value whole, however long: cut short.
    message = error.message if len(error.message) <= 200 else error.message[:199] + "…"
    return f": {message}"
