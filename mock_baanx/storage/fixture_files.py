"""Loading fixtures (clients, users, products, lifecycles) from JSON or YAML files.

The defaults ship in `fixtures/`. A user's fixtures are either a folder laid out the same
way (`clients.json`, `users.yaml`, `products.json`, `lifecycles/<name>.json`…) or one file
with the keys `clients`, `users`, `products`, `lifecycles`. Each kind the user gives
replaces the default of that kind; lifecycles are added to the built-in ones (a file of
the same name replaces a built-in). Every file is validated against its schema, and a bad
one is a FixtureError naming the file and the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from ..core import (
    Client,
    Fixtures,
    Lifecycle,
    OrderStatus,
    Product,
    Step,
    User,
)
from ..protocol import schemas
from ..protocol.bodies import payment_config_from_json
from ..protocol.resources import bundled

KINDS = ("clients", "users", "products")
SUFFIXES = (".json", ".yaml", ".yml")


class FixtureError(Exception):
    """A fixtures file that is missing, unreadable or invalid."""

    def __init__(self, file: object, problem: str, field: str | None = None) -> None:
        self.file = str(file)
        self.field = field
        self.problem = problem
        where = f" at {field}" if field else ""
        super().__init__(f"{self.file}{where}: {problem}")


def load_fixtures(path: str | Path | None = None) -> Fixtures:
    """The default fixtures, with whatever `path` (a folder or one file) replaces."""
    defaults = _read_folder(bundled("fixtures"))
    if path is None:
        return _build(defaults, given_kinds=set())
    given = Path(path)
    if given.is_dir():
        override = _read_folder(given)
        if not override:
            names = ", ".join(f"{kind}.json" for kind in KINDS)
            raise FixtureError(given, f"no fixtures found: expected {names} or lifecycles/")
    elif given.is_file():
        override = _read_combined(given)
    else:
        raise FixtureError(given, "no such file or folder")
    documents = {**defaults, **{key: value for key, value in override.items()
                                if key != "lifecycles"}}
    documents["lifecycles"] = {**defaults.get("lifecycles", {}),
                               **override.get("lifecycles", {})}
    return _build(documents, given_kinds=set(override))


def _read_folder(folder: Traversable) -> dict[str, Any]:
    # Each document is kept with the file it came from, so that errors found after
    # reading (references between kinds) can still name the file.
    documents: dict[str, Any] = {}
    for kind in KINDS:
        for suffix in SUFFIXES:
            file = folder / f"{kind}{suffix}"
            if file.is_file():
                documents[kind] = (_checked(file, f"fixtures/{kind}.json"), str(file))
                break
    lifecycle_folder = folder / "lifecycles"
    if lifecycle_folder.is_dir():
        lifecycles = {}
        for file in sorted(lifecycle_folder.iterdir(), key=lambda item: item.name):
            stem, dot, suffix = file.name.rpartition(".")
            if dot and f".{suffix}" in SUFFIXES and file.is_file():
                lifecycles[stem] = (_checked(file, "fixtures/lifecycle.json"), str(file))
        documents["lifecycles"] = lifecycles
    return documents


def _read_combined(file: Path) -> dict[str, Any]:
    contents = _checked(file, "fixtures/fixtures.json")
    documents: dict[str, Any] = {kind: (contents[kind], str(file)) for kind in KINDS
                                 if kind in contents}
    if "lifecycles" in contents:
        documents["lifecycles"] = {name: (body, str(file))
                                   for name, body in contents["lifecycles"].items()}
    return documents


def _parse_yaml(text: str) -> Any:
    # Imported here: only YAML fixtures need it, and every start-up would pay for it.
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def _checked(file: Traversable, schema: str) -> Any:
    """The parsed contents of `file`, valid against `schemas/<schema>`."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FixtureError(file, f"cannot be read: {error}") from None
    language = "JSON" if file.name.endswith(".json") else "YAML"
    try:
        contents = json.loads(text) if language == "JSON" else _parse_yaml(text)
    except ValueError as error:
        raise FixtureError(file, f"is not valid {language}: {error}") from None
    problem = schemas.first_error(schema, contents)
    if problem is not None:
        raise FixtureError(file, problem.message, field=problem.json_path)
    return contents


def _build(documents: Mapping[str, Any], given_kinds: set[str]) -> Fixtures:
    clients_doc, clients_file = documents["clients"]
    users_doc, users_file = documents["users"]
    products_doc, products_file = documents["products"]
    lifecycles = {name: _lifecycle(name, body, file)
                  for name, (body, file) in documents.get("lifecycles", {}).items()}

    clients = tuple(Client(id=item["id"], name=item.get("name", "")) for item in clients_doc)
    _unique(clients_file, "id", (client.id for client in clients))
    products = tuple(_product(item) for item in products_doc)
    _unique(products_file, "id", (product.id for product in products))
    product_ids = {product.id for product in products}
    for index, product in enumerate(products):
        if product.lifecycle is not None and product.lifecycle not in lifecycles:
            raise FixtureError(products_file, f"unknown lifecycle {product.lifecycle!r}; known: "
                               f"{', '.join(sorted(lifecycles))}", f"$[{index}].lifecycle")
    users = tuple(_user(item) for item in users_doc)
    _unique(users_file, "token", (user.token for user in users))
    # The default users name default products; a user who replaces only the products
    # should not have to rewrite the users too.
    for index, item in enumerate(users_doc if "users" in given_kinds else ()):
        for position, product_id in enumerate(item.get("ineligibleProducts", ())):
            if product_id not in product_ids:
                raise FixtureError(users_file, f"unknown product {product_id!r}",
                                   f"$[{index}].ineligibleProducts[{position}]")
    return Fixtures(clients=clients, users=users, products=products, lifecycles=lifecycles)


def _unique(file: str, key: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise FixtureError(file, f"duplicate {key} {value!r}", f"$[{index}].{key}")
        seen.add(value)


def _user(item: Mapping[str, Any]) -> User:
    return User(
        token=item["token"],
        id=item["id"],
        description=item.get("description", ""),
        expired=item.get("expired", False),
        permitted=item.get("permitted", True),
        kyc_verified=item.get("kycVerified", True),
        ineligible_products=frozenset(item.get("ineligibleProducts", ())),
    )


def _product(item: Mapping[str, Any]) -> Product:
    config = item.get("paymentConfig")
    return Product(
        id=item["id"],
        description=item["description"],
        lifecycle=item.get("lifecycle"),
        payment_config=None if config is None else payment_config_from_json(config),
    )


def _lifecycle(name: str, body: Mapping[str, Any], file: str) -> Lifecycle:
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
    for index, step in enumerate(steps[:-1]):
        if step.status.is_terminal:
            raise FixtureError(file, f"{step.status} is final, so it must be the last step",
                               f"$.steps[{index}].status")
    return Lifecycle(name=name, steps=steps, description=body.get("description", ""))
