"""Fixture documents — clients, users, products, lifecycles as JSON — and the domain
objects they stand for.

The same documents come from fixture files (`storage/fixture_files.py`), from a dict given
to `BaanxMock(fixtures=...)`, and one by one from the control API's run-time routes; each
is validated against its schema under `schemas/fixtures/`, and a bad one is a
FixtureError naming where it came from and the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..core import Client, Fixtures, Lifecycle, OrderStatus, Product, Step, User
from . import schemas
from .bodies import field_problem, payment_config_from_json, payment_config_json

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


def lifecycle_from(name: str, body: Mapping[str, Any], source: object) -> Lifecycle:
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


def fixtures_from(documents: Mapping[str, Any], defaults: Mapping[str, Any]) -> Fixtures:
    """Fixtures from documents already validated against their schemas, each kind with the
    source it came from: `documents[kind]` is `(document, source)`, and
    `documents["lifecycles"]` maps each name to `(body, source)`. A kind the documents lack
    is the default's; lifecycles are added to the default ones."""
    kinds: dict[str, tuple[list[Mapping[str, Any]], str]] = {}
    for kind in KINDS:
        default_items, default_source = defaults[kind]
        if kind not in documents:
            kinds[kind] = (list(default_items), default_source)
            continue
        document, source = documents[kind]
        items, adding = entries(document)
        kinds[kind] = (merged(default_items, items, KEYS[kind]) if adding else items, source)
    lifecycles = {name: lifecycle_from(name, body, source)
                  for name, (body, source) in {**defaults.get("lifecycles", {}),
                                               **documents.get("lifecycles", {})}.items()}
    given_users = entries(documents["users"][0])[0] if "users" in documents else []
    return _consistent(kinds, lifecycles, given_users)


def _consistent(kinds: Mapping[str, tuple[list[Mapping[str, Any]], str]],
                lifecycles: dict[str, Lifecycle],
                given_users: list[Mapping[str, Any]]) -> Fixtures:
    clients_doc, clients_source = kinds["clients"]
    users_doc, users_source = kinds["users"]
    products_doc, products_source = kinds["products"]
    clients = tuple(client_from(item) for item in clients_doc)
    _unique(clients_source, "id", (client.id for client in clients))
    products = tuple(product_from(item) for item in products_doc)
    _unique(products_source, "id", (product.id for product in products))
    product_ids = {product.id for product in products}
    for index, product in enumerate(products):
        if product.lifecycle is not None and product.lifecycle not in lifecycles:
            raise FixtureError(products_source, f"unknown lifecycle {product.lifecycle!r}; "
                               f"known: {', '.join(sorted(lifecycles))}",
                               f"$[{index}].lifecycle")
    users = tuple(user_from(item) for item in users_doc)
    _unique(users_source, "token", (user.token for user in users))
    # The default users name default products; a user who replaces only the products
    # should not have to rewrite the users too: only the users given are checked.
    for index, item in enumerate(given_users):
        for position, product_id in enumerate(item.get("ineligibleProducts", ())):
            if product_id not in product_ids:
                raise FixtureError(users_source, f"unknown product {product_id!r}",
                                   f"$[{index}].ineligibleProducts[{position}]")
    return Fixtures(clients=clients, users=users, products=products, lifecycles=lifecycles)


def _unique(source: str, key: str, values: Iterable[str]) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise FixtureError(source, f"duplicate {key} {value!r}", f"$[{index}].{key}")
        seen.add(value)
