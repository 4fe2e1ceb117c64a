"""The recorder: what the validating proxy saw, written as a fixtures folder that
`mock-baanx serve --fixtures DIR` serves.

- `clients.json` and `users.json`: each client id and bearer token seen, under a generated
  name (`recorded-client-1`, `recorded-user-1`): a credential is never written. A user's
  `ineligibleProducts` are the products their own product list marked not eligible.
- `products.json`: every product seen, with the `paymentConfig` of the create replies seen
  for it.
- `stubs.json`: each endpoint outside the order API that the app called, as a stub
  (recorded_stubs.py).
- `lifecycles/recorded-<n>.json`: for each order seen from its create to its final status,
  the steps observed (a status entered after how many polls, and — in the description —
  how many seconds; the final reply's note, payment id, transaction hash and paidAt); its
  product follows the first such lifecycle recorded for it.

Every file is checked against its fixture schema, and the folder as a whole loaded as the
mock would load it, before anything is written; so replaying a recorded session through
the mock gives the app the same statuses in the same order, with the recorded tokens.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..protocol import schemas
from ..protocol.fixtures import FixtureError
from ..protocol.headers import bearer_of
from ..storage.fixture_files import load_fixtures
from .order_rules import STARTED, ObservedOrder, OrderRules
from .recorded_stubs import StubRecording

STEP_FIELDS = {"note": "note", "paymentId": "paymentId", "txHash": "txHash"}


class RecordingError(Exception):
    """What was recorded cannot be written as fixtures; the message says why."""


def refuse_unless_empty(folder: Path, force: bool) -> str | None:
    """Why `folder` may not be recorded into, or None: it must not exist, be empty, or be
    overwritten on purpose (`force`)."""
    if folder.exists() and not folder.is_dir():
        return f"--record {folder}: exists and is not a folder"
    if folder.is_dir() and any(folder.iterdir()) and not force:
        return f"--record {folder}: is not empty (pass --force to replace what is there)"
    return None


class Recorder:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        # What the last `fixtures()` left out as it drifted from the contract, and why;
        # the endpoints it could not make stubs of, and why; and the stubs whose path it
        # generalised, for a person to review.
        self.skipped: list[str] = []
        self.left_out: list[str] = []
        self.review: list[str] = []
        self._clients: dict[str, str] = {}
        self._users: dict[str, str] = {}
        # Per generated user name: product id -> isEligible as their list said.
        self._eligibility: dict[str, dict[str, bool]] = {}
        self._products: dict[str, dict[str, Any]] = {}
        self._stubs = StubRecording()

    def saw(self, headers: Mapping[str, str], operation: str, status: int, request: Any,
            reply: Any) -> None:
        """One exchange of a Baanx operation, with the request's headers (lower-case
        names) and JSON bodies (None when not JSON)."""
        with self._lock:
            user = self._credentials(headers, status)
            if user is None:
                return
            if operation == "getAvailableProducts" and status == 200 and isinstance(reply, list):
                for item in reply:
                    if isinstance(item, dict) and isinstance(item.get("id"), str):
                        product = self._products.setdefault(item["id"], {"id": item["id"]})
                        product["description"] = str(item.get("description", ""))
                        self._eligibility.setdefault(user, {})[item["id"]] = bool(
                            item.get("isEligible"))
            if (operation == "createOrder" and status == 200 and isinstance(request, dict)
                    and isinstance(request.get("productId"), str) and isinstance(reply, dict)):
                product = self._products.setdefault(request["productId"],
                                                    {"id": request["productId"],
                                                     "description": request["productId"]})
                if isinstance(reply.get("paymentConfig"), dict):
                    product["paymentConfig"] = reply["paymentConfig"]

    def saw_elsewhere(self, method: str, path: str, headers: Mapping[str, str], request: Any,
                      status: int, reply: Any) -> None:
        """One exchange with an endpoint outside the order API, recorded as a stub:
        `request` and `reply` its JSON bodies, None for none."""
        with self._lock:
            self._credentials(headers, status)
            authenticated = any(headers.get(name) for name in
                                ("x-client-id", "x-client-key", "authorization"))
            self._stubs.saw(method, path, authenticated, request, status, reply)

    def _credentials(self, headers: Mapping[str, str], status: int) -> str | None:
        """Name the client and user a request carried (the header rules' refusals aside);
        the user's name, if it was let in."""
        if status in (498, 499):
            return None
        client = headers.get("x-client-id") or headers.get("x-client-key")
        if client and client not in self._clients:
            self._clients[client] = f"recorded-client-{len(self._clients) + 1}"
        token = bearer_of(headers.get("authorization", ""))
        if status == 401 or not token:
            return None
        return self._users.setdefault(token, f"recorded-user-{len(self._users) + 1}")

    def fixtures(self, orders: OrderRules, when: datetime | None = None) -> dict[str, Any]:
        """The recorded fixtures: {file name: contents}, lifecycles under `lifecycles/`.
        What drifted from the contract cannot be a fixture: such an order's lifecycle, or
        a product's payment config, is left out, and `skipped` says so."""
        when = when or datetime.now(UTC)
        self.skipped = []
        with self._lock:
            files: dict[str, Any] = {}
            products = {}
            for key, value in self._products.items():
                product = self._valid_product(dict(value))
                if product is not None:
                    products[key] = product
            lifecycle_number = 0
            for order in list(orders.orders.values()):
                if not order.ended or order.product_id not in products \
                        or order.created_at is None:
                    continue
                lifecycle = _lifecycle(order, when)
                problems = schemas.problems("fixtures/lifecycle.json", lifecycle)
                if problems:
                    self.skipped.append(f"the lifecycle of order {order.order_id}: "
                                        f"{problems[0]}")
                    continue
                lifecycle_number += 1
                name = f"recorded-{lifecycle_number}"
                files[f"lifecycles/{name}.json"] = lifecycle
                products[order.product_id].setdefault("lifecycle", name)
            if self._clients:
                files["clients.json"] = [{"id": name, "name": "A client id seen by the proxy"}
                                         for name in self._clients.values()]
            if self._users:
                files["users.json"] = [self._user(name, products)
                                       for name in self._users.values()]
            if products:
                files["products.json"] = list(products.values())
            # Longest first, so that no credential is replaced inside a longer one.
            secrets = dict(sorted({**self._clients, **self._users}.items(),
                                  key=lambda item: -len(item[0])))
            stubs, self.review = self._stubs.stubs(secrets)
            self.left_out = self._stubs.skipped
            if stubs:
                files["stubs.json"] = stubs
            return files

    def _valid_product(self, product: dict[str, Any]) -> dict[str, Any] | None:
        problems = schemas.problems("fixtures/product.json", product)
        if problems and "paymentConfig" in product:
            self.skipped.append(f"the paymentConfig of product {product['id']}: {problems[0]}")
            del product["paymentConfig"]
            problems = schemas.problems("fixtures/product.json", product)
        if problems:
            self.skipped.append(f"product {product.get('id')}: {problems[0]}")
            return None
        return product

    def _user(self, name: str, products: Mapping[str, Any]) -> dict[str, Any]:
        user: dict[str, Any] = {"token": name, "id": name,
                                "description": "A user seen by the proxy"}
        ineligible = [product for product, eligible in self._eligibility.get(name, {}).items()
                      if not eligible and product in products]
        if ineligible:
            user["ineligibleProducts"] = ineligible
        return user

    def write(self, folder: Path, orders: OrderRules, force: bool) -> list[str]:
        """Write the recorded fixtures into `folder`, each file checked first; the names
        of the files written."""
        files = self.fixtures(orders)
        schema_of = {"clients.json": "fixtures/clients.json",
                     "users.json": "fixtures/users.json",
                     "products.json": "fixtures/products.json",
                     "stubs.json": "fixtures/stubs.json"}
        for name, contents in files.items():
            schema = schema_of.get(name, "fixtures/lifecycle.json")
            problems = schemas.problems(schema, contents)
            if problems:
                raise RecordingError(f"{name}: {problems[0]}")
        staging = Path(tempfile.mkdtemp(prefix=".recording-", dir=folder.parent
                                        if folder.parent.exists() else None))
        try:
            for name, contents in files.items():
                path = staging / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(contents, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")
            try:
                load_fixtures(staging)
            except FixtureError as error:
                raise RecordingError(str(error).replace(str(staging), str(folder))) from None
            if folder.exists():
                if not force and any(folder.iterdir()):
                    raise RecordingError(refuse_unless_empty(folder, force))
                shutil.rmtree(folder)
            shutil.move(str(staging), str(folder))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return sorted(files)


def _lifecycle(order: ObservedOrder, when: datetime) -> dict[str, Any]:
    steps = []
    seen = []
    for step in order.steps:
        seen.append(f"{step.status} on poll {step.poll}, {step.seconds:g} s after the create")
        if step.status == STARTED:
            continue
        entry: dict[str, Any] = {"status": step.status, "afterPolls": step.poll - 1}
        metadata = step.reply.get("metadata")
        if isinstance(metadata, dict):
            entry.update({field: metadata[key] for key, field in STEP_FIELDS.items()
                          if isinstance(metadata.get(key), str)})
        if isinstance(step.reply.get("paidAt"), str):
            entry["paidAt"] = step.reply["paidAt"]
        steps.append(entry)
    return {"description": f"Recorded through mock-baanx proxy on {when:%Y-%m-%d}: "
                           + "; ".join(seen),
            "steps": steps}
