"""Fixture documents — clients, users, products, lifecycles as JSON — and the domain
objects they stand for.

The same documents come from fixture files (`storage/fixture_files.py`), from a dict given
to `BaanxMock(fixtures=...)`, and one by one from the control API's run-time routes; each
is validated against its schema under `schemas/fixtures/`, and a bad one is a
FixtureError naming where it came from and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any
from wsgiref.util import is_hop_by_hop

from ..core import (
    Client,
    Conditions,
    Fixtures,
    Lifecycle,
    OrderStatus,
    Product,
    Step,
    Stub,
    User,
    is_calendar_date,
)
from ..core.stubs import PLACEHOLDER
from . import schemas
from .messages import MAX_NESTING, nested_deeper_than, unkeepable_text, whole
from .order_json import payment_config_from_json, payment_config_json
from .schemas import field_problem

KINDS = ("clients", "users", "products")
# What identifies an entry of each kind: another entry with the same key replaces it.
KEYS = {"clients": "id", "users": "token", "products": "id"}


class FixtureError(Exception):
    """A fixture document that is missing, unreadable or invalid; `source` says where it
    came from (a file, a dict, a request)."""

    def __init__(self, source: object, problem: str, field: str | None = None) -> None:
        self.file = str(source)
        self.field = field
        self.problem = problem
        where = f" at {field}" if field else ""
        super().__init__(f"{self.file}{where}: {problem}")


def checked(document: Any, schema: str, source: object, extended: bool = False) -> Any:
    """`document`, if valid against `schemas/<schema>`; else a FixtureError naming the
    field (and the switch, for a status seen only in real clients)."""
    if document is None:
        raise FixtureError(source, "is empty")
    # What the control API would refuse to keep (messages.parse_json), a file may not hold.
    unkeepable = unkeepable_text(document)
    if unkeepable is not None:
        raise FixtureError(source, f"has a string the mock cannot keep: {unkeepable}")
    error = schemas.first_error(schema, document, extended)
    if error is not None:
        field, problem = field_problem(error)
        raise FixtureError(source, problem.removeprefix(": "),
                           field="$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                                               for part in field))
    return document


# --- One entry -----------------------------------------------------------------------------


def client_from(item: Mapping[str, Any]) -> Client:
    return Client(id=item["id"], name=item.get("name", ""))


def user_from(item: Mapping[str, Any]) -> User:
    return User(
        token=item["token"],
        id=item["id"],
        description=item.get("description", ""),
        expired=item.get("expired", False),
        permitted=item.get("permitted", True),
        kyc_verified=item.get("kycVerified", True),
        ineligible_products=frozenset(item.get("ineligibleProducts", ())),
    )


def product_from(item: Mapping[str, Any]) -> Product:
    config = item.get("paymentConfig")
    return Product(
        id=item["id"],
        description=item["description"],
        lifecycle=item.get("lifecycle"),
        payment_config=None if config is None else payment_config_from_json(config),
    )


def lifecycle_from(name: str, body: Mapping[str, Any], source: object,
                   restored: bool = False, where: str = "$") -> Lifecycle:
    """A lifecycle from its document (at `where` in its file), already valid against its
    schema; one `restored` from a store is rebuilt as it was kept (`stub_from`)."""
    for number, step in enumerate(body["steps"]):
        if not restored and "paidAt" in step and not is_calendar_date(step["paidAt"]):
            raise FixtureError(source, f"{step['paidAt']} is a day no calendar has",
                               field=f"{where}.steps[{number}].paidAt")
    steps = tuple(
        Step(
            status=OrderStatus(step["status"]),
            after_polls=step.get("afterPolls"),
            after_seconds=step.get("afterSeconds"),
            note=step.get("note"),
            payment_id=step.get("paymentId"),
            tx_hash=step.get("txHash"),
            paid_at=step.get("paidAt"),
        )
        for step in body["steps"]
    )
    return Lifecycle(name=name, steps=steps, description=body.get("description", ""))


def user_json(user: User) -> dict[str, Any]:
    """A user as a fixtures file writes it: the inverse of `user_from`."""
    return {"token": user.token, "id": user.id, "description": user.description,
            "expired": user.expired, "permitted": user.permitted,
            "kycVerified": user.kyc_verified,
            "ineligibleProducts": sorted(user.ineligible_products)}


def product_json(product: Product) -> dict[str, Any]:
    """A product as a fixtures file writes it: the inverse of `product_from`."""
    return {"id": product.id, "description": product.description,
            **({"lifecycle": product.lifecycle} if product.lifecycle else {}),
            **({"paymentConfig": payment_config_json(product.payment_config)}
               if product.payment_config else {})}


def lifecycle_json(lifecycle: Lifecycle) -> dict[str, Any]:
    """A lifecycle as a fixtures file writes it: the inverse of `lifecycle_from`."""
    fields = (("afterPolls", "after_polls"), ("afterSeconds", "after_seconds"),
              ("note", "note"), ("paymentId", "payment_id"), ("txHash", "tx_hash"),
              ("paidAt", "paid_at"))
    return {"description": lifecycle.description,
            "steps": [{"status": step.status.value,
                       **{key: getattr(step, name) for key, name in fields
                          if getattr(step, name) is not None}}
                      for step in lifecycle.steps]}


# Headers that frame the reply or the connection, besides PEP 3333's hop-by-hop ones (which
# a WSGI server refuses from an app): the server sets them from what it sends, and a stub's
# own would contradict it.
FRAMING_HEADERS = frozenset({"content-length", "proxy-connection", "trailer"})


def is_the_servers_header(name: str) -> bool:
    return is_hop_by_hop(name) or name.lower() in FRAMING_HEADERS


# Statuses HTTP sends with no body (RFC 9110): a stub's body for one would never arrive.
BODILESS_STATUSES = frozenset({204, 205, 304})


def stub_from(item: Mapping[str, Any], source: object, field: str = "$",
              folder: Path | None = None, restored: bool = False) -> Stub:
    """A stub from its document, already valid against its schema. A FixtureError naming
    the field for what the schema cannot say: a schema that is no JSON Schema (or a file
    that cannot be read), a placeholder that names nothing, a body that breaks its own
    schema. `folder` is where a schema given by file name lives. A stub `restored` from a
    store is rebuilt as it was kept, not judged again by rules newer than it: what was
    stored is never lost."""
    if not restored:
        for key in ("body", "schema", "requestSchema", "exampleBody"):
            _refuse_too_deep(item.get(key), source, f"{field}.{key}")
    schema = _schema_of(item.get("schema"), source, f"{field}.schema", folder)
    request_schema = _schema_of(item.get("requestSchema"), source, f"{field}.requestSchema",
                                folder)
    status = whole(item.get("status", 200))
    if not restored:
        _check_new_stub(item, status, schema, request_schema, source, field)
    when = item.get("when") or {}
    return Stub(
        id=item["id"], method=item["method"], path=item["path"],
        status=status, body=item.get("body"), has_body="body" in item,
        headers=tuple((item.get("headers") or {}).items()),
        auth=item.get("auth", "baanx") == "baanx", schema=schema,
        request_schema=request_schema,
        when=Conditions(headers=when.get("headers", {}), query=when.get("query", {}),
                        body=when.get("body", {})),
        example=item.get("example"), example_body=item.get("exampleBody"))


def _refuse_too_deep(value: Any, source: object, where: str) -> None:
    if nested_deeper_than(value, MAX_NESTING):
        raise FixtureError(source, f"is nested more than {MAX_NESTING} deep", where)


def _check_new_stub(item: Mapping[str, Any], status: Any, schema: Any, request_schema: Any,
                    source: object, field: str) -> None:
    """What the stubs schema cannot say of a stub about to be added, as a FixtureError."""
    named = PATH_NAME.findall(item["path"])
    path_names = set(named)
    if len(path_names) < len(named):
        twice = next(name for name in named if named.count(name) > 1)
        raise FixtureError(source, f"names {{{twice}}} twice: each name of a path is one "
                                   "value of the request", f"{field}.path")
    has_body = "body" in item
    if has_body and status in BODILESS_STATUSES:
        raise FixtureError(source, f"a {status} reply carries no body", f"{field}.body")
    for where, text in _template_strings(item.get("body"), f"{field}.body"):
        for kind, name in PLACEHOLDER.findall(text):
            _refuse_unknown(kind, name, path_names, request_schema, source, where)
    for name, value in (item.get("headers") or {}).items():
        if is_the_servers_header(name):
            raise FixtureError(source, "is the server's to set, from the reply it sends",
                               f"{field}.headers.{name}")
        for kind, placeholder in PLACEHOLDER.findall(value):
            _refuse_unknown(kind, placeholder, path_names, request_schema, source,
                            f"{field}.headers.{name}")
    if schema is not None and has_body:
        error = schemas.first_error_against(schema, item["body"], _known_at_load)
        if error is not None:
            parts, problem = field_problem(error)
            raise FixtureError(source, f"breaks its own schema: {problem.removeprefix(': ')}",
                               f"{field}.body" + "".join(
                                   f"[{part}]" if isinstance(part, int) else f".{part}"
                                   for part in parts))


def stub_json(stub: Stub) -> dict[str, Any]:
    """A stub as a fixtures file writes it (its schemas inline): the inverse of `stub_from`."""
    document: dict[str, Any] = {"id": stub.id, "method": stub.method, "path": stub.path,
                                "status": stub.status}
    if stub.has_body:
        document["body"] = stub.body
    if stub.headers:
        document["headers"] = dict(stub.headers)
    document["auth"] = "baanx" if stub.auth else "none"
    if stub.schema is not None:
        document["schema"] = stub.schema
    if stub.request_schema is not None:
        document["requestSchema"] = stub.request_schema
    when = {name: dict(values) for name, values in (
        ("headers", stub.when.headers), ("query", stub.when.query), ("body", stub.when.body))
        if values}
    if when:
        document["when"] = when
    if stub.example is not None:
        document["example"] = stub.example
    if stub.example_body is not None:
        document["exampleBody"] = stub.example_body
    return document


PATH_NAME = re.compile(r"\{(\w+)\}")
# What a schema says of an object's or an array's own shape, which no placeholder within
# it can change.
SHAPE_KEYWORDS = frozenset({"required", "additionalProperties", "unevaluatedProperties",
                            "minProperties", "maxProperties", "propertyNames",
                            "dependentRequired", "minItems", "maxItems"})


def _known_at_load(error: Any) -> bool:
    """Whether a body's error stands whatever the request fills in: it is not about a value
    a placeholder gives (or holds one), or it is about a container's own shape."""
    return error.validator in SHAPE_KEYWORDS or not any(
        PLACEHOLDER.search(text) for _, text in _template_strings(error.instance, ""))
# What {{user.NAME}} may name: a user's fixture fields.
USER_FIELDS = frozenset({"token", "id", "description", "expired", "permitted", "kycVerified",
                         "ineligibleProducts"})


def _template_strings(node: Any, where: str) -> Iterable[tuple[str, str]]:
    """Every string of a JSON value, with its JSON path."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _template_strings(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _template_strings(value, f"{where}[{index}]")


def _refuse_unknown(kind: str, name: str, path_names: set[str], request_schema: Any,
                    source: object, where: str) -> None:
    """A FixtureError for a placeholder that names nothing, where that can be known: a
    path name not in the path, a user field users do not have, a body field the request
    schema does not list (when it lists its fields and allows no others)."""
    first = name.split(".", 1)[0]
    if kind == "path" and name not in path_names:
        known = ", ".join(sorted(path_names)) or "none"
        raise FixtureError(source, f"{{{{path.{name}}}}} names nothing: the path's names are "
                                   f"{known}", where)
    if kind == "user" and name not in USER_FIELDS:
        raise FixtureError(source, f"{{{{user.{name}}}}} names nothing: a user's fields are "
                                   f"{', '.join(sorted(USER_FIELDS))}", where)
    if kind == "body" and isinstance(request_schema, Mapping) and \
            request_schema.get("additionalProperties") is False and \
            first not in request_schema.get("properties", {}):
        raise FixtureError(source, f"{{{{body.{name}}}}} names nothing its requestSchema "
                                   "allows", where)


def _schema_of(given: Any, source: object, where: str, folder: Path | None
               ) -> Mapping[str, Any] | bool | None:
    """A stub's schema: inline, or read from the file it names beside the stubs file; a
    FixtureError if it cannot be read or is no JSON Schema."""
    if given is None or isinstance(given, bool):
        return given
    if isinstance(given, str):
        if folder is None:
            raise FixtureError(source, f"a schema by file name ({given!r}) needs a fixtures "
                                       "folder to find it in: give it inline", where)
        file = folder / given
        try:
            text = file.read_text(encoding="utf-8")
            given = (json.loads(text) if file.suffix == ".json"
                     else _yaml_document(text))
        except (OSError, ValueError) as error:
            raise FixtureError(source, f"schema file {given!r} cannot be read: {error}",
                               where) from None
        if not isinstance(given, Mapping | bool):
            raise FixtureError(source, "a schema file must hold a JSON Schema object", where)
        _refuse_too_deep(given, source, where)
    problem = schemas.schema_problem(given)
    if problem is not None:
        raise FixtureError(source, f"not a valid JSON Schema: {problem}", where)
    checked_schema: Mapping[str, Any] | bool = given
    return checked_schema


def _yaml_document(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error).splitlines()[0]) from None


def stubs_from(document: Any, source: object, folder: Path | None, where: str = "$"
               ) -> tuple[Stub, ...]:
    """The stubs of a stubs document (a list, at `where` in its file), each id once."""
    _unique(str(source), "id", document, where)
    stubs = []
    for index, item in enumerate(document):
        try:
            stubs.append(stub_from(item, source, f"{where}[{index}]", folder))
        except FixtureError as error:
            raise FixtureError(source, f"stub {item['id']}: {error.problem}",
                               error.field) from None
    return tuple(stubs)


# --- A whole set -----------------------------------------------------------------------------


def entries(document: Any) -> tuple[list[Mapping[str, Any]], bool]:
    """A kind's entries, and whether they add to the defaults (`{"add": [...]}`) rather than
    replace them (a list)."""
    if isinstance(document, dict):
        return list(document["add"]), True
    return list(document), False


def merged(defaults: list[Mapping[str, Any]], given: list[Mapping[str, Any]], key: str
           ) -> list[Mapping[str, Any]]:
    """The defaults with the given entries added; one with a default's key replaces it."""
    by_key = {item[key]: item for item in defaults}
    by_key.update({item[key]: item for item in given})
    return list(by_key.values())


def fixtures_from(documents: Mapping[str, Any], defaults: Mapping[str, Any],
                  places: Mapping[str, str] | None = None) -> Fixtures:
    """Fixtures from documents already validated against their schemas, each kind with the
    source it came from: `documents[kind]` is `(document, source)`, and
    `documents["lifecycles"]` maps each name to `(body, source)`. A kind the documents lack
    is the default's; lifecycles are added to the default ones. `places[kind]`: where the
    kind sits in its file, for errors to name (`$.stubs` in a file of every kind; `$`, the
    file itself, where not given)."""
    places = places or {}
    kinds: dict[str, tuple[list[Mapping[str, Any]], str]] = {}
    given: dict[str, tuple[list[Mapping[str, Any]], str, str]] = {}
    for kind in KINDS:
        default_items, default_source = defaults[kind]
        if kind not in documents:
            kinds[kind] = (list(default_items), default_source)
            continue
        document, source = documents[kind]
        items, adding = entries(document)
        where = places.get(kind, "$") + (".add" if adding else "")
        _unique(source, KEYS[kind], items, where)
        given[kind] = (items, source, where)
        kinds[kind] = (merged(default_items, items, KEYS[kind]) if adding else items, source)
    given_lifecycles = documents.get("lifecycles", {})
    lifecycles = {name: lifecycle_from(name, body, source, where=(
                      f"{places['lifecycles']}.{name}"
                      if name in given_lifecycles and "lifecycles" in places else "$"))
                  for name, (body, source) in {**defaults.get("lifecycles", {}),
                                               **given_lifecycles}.items()}
    fixtures = _consistent(kinds, lifecycles, given)
    if "stubs" not in documents:
        return fixtures
    document, source = documents["stubs"]
    folder = Path(source).parent if Path(source).is_file() else None
    return replace(fixtures, stubs=stubs_from(document, source, folder,
                                              places.get("stubs", "$")))


def _consistent(kinds: Mapping[str, tuple[list[Mapping[str, Any]], str]],
                lifecycles: dict[str, Lifecycle],
                given: Mapping[str, tuple[list[Mapping[str, Any]], str, str]]) -> Fixtures:
    """The fixtures of every kind, each reference between them checked where it was given
    (the defaults' hold)."""
    clients = tuple(client_from(item) for item in kinds["clients"][0])
    products = tuple(product_from(item) for item in kinds["products"][0])
    users = tuple(user_from(item) for item in kinds["users"][0])
    items, source, where = given.get("products", ([], "", "$"))
    for index, item in enumerate(items):
        if item.get("lifecycle") is not None and item["lifecycle"] not in lifecycles:
            raise FixtureError(source, f"unknown lifecycle {item['lifecycle']!r}; "
                               f"known: {', '.join(sorted(lifecycles))}",
                               f"{where}[{index}].lifecycle")
    # The default users name default products; a user who replaces only the products
    # should not have to rewrite the users too: only the users given are checked.
    product_ids = {product.id for product in products}
    items, source, where = given.get("users", ([], "", "$"))
    for index, item in enumerate(items):
        for position, product_id in enumerate(item.get("ineligibleProducts", ())):
            if product_id not in product_ids:
                raise FixtureError(source, f"unknown product {product_id!r}",
                                   f"{where}[{index}].ineligibleProducts[{position}]")
    return Fixtures(clients=clients, users=users, products=products, lifecycles=lifecycles)


def _unique(source: str, key: str, items: Iterable[Mapping[str, Any]], where: str) -> None:
    """Each of `items` (at `where` in `source`) has a `key` of its own."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item[key] in seen:
            raise FixtureError(source, f"duplicate {key} {item[key]!r}",
                               f"{where}[{index}].{key}")
        seen.add(item[key])
