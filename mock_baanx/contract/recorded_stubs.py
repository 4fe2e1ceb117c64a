"""Stubs recorded by the proxy: each endpoint outside the order API that the app called,
written as a stub (core/stubs.py) that replays the reply it got.

- The path's ids are generalised into a template (`/v1/card/c-123` → `/v1/card/{cardId}`):
  a segment that is a number, a UUID, or holds a digit and is six characters or longer.
  Each generalised path is listed for review, since a rule of thumb can be wrong.
- The reply kept is the last success (2xx) seen, else the last reply that is not one of the
  header rules' statuses (those the mock answers itself). Its body has credentials
  replaced by the names the recorder gives them, personal fields (an email, a name, a
  phone number, an address…) by stand-ins of the same JSON type, and a path id it repeats
  by the placeholder of that id, so that a replay answers each id with itself.
- Its `schema` is inferred by genson from every successful body seen for it (before
  anything was replaced; a replacement keeps each value's type), so a replay, and a later
  `verify --stubs`, hold the endpoint to the shape it had.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from genson import SchemaBuilder

from ..protocol import schemas
from ..protocol.fixtures import FixtureError, stub_from
from ..protocol.routes import ROUTES
from ..protocol.stubs import CREDENTIAL_STATUSES, refusal

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# What a stub template's literal segment may hold (schemas/fixtures/stub.json).
LITERAL = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@%-]+")
VERSION = re.compile(r"v\d+")
MIN_ID_LENGTH = 6
# Keys (lower case, without - and _) whose values are a person's: replaced on recording.
PERSONAL_KEYS = frozenset({
    "email", "emailaddress", "firstname", "lastname", "middlename", "fullname", "name",
    "givenname", "familyname", "surname", "phone", "phonenumber", "mobile", "mobilenumber",
    "dateofbirth", "dob", "birthdate", "address", "addressline1", "addressline2", "street",
    "line1", "line2", "postcode", "postalcode", "zip", "zipcode", "ssn", "taxid",
    "nationalid", "passportnumber", "iban", "accountnumber", "cardnumber", "pan", "cvv",
    "cvc", "password", "secret", "token", "accesstoken", "refreshtoken", "idtoken",
    "apikey"})


def is_id(segment: str) -> bool:
    """Whether a path segment looks like an id rather than a name of the API's."""
    if segment.isdigit() or UUID.fullmatch(segment) or not LITERAL.fullmatch(segment):
        return True
    return len(segment) >= MIN_ID_LENGTH and any(char.isdigit() for char in segment)


def template_of(path: str) -> tuple[str, dict[str, str]]:
    """A path's template, and which concrete segment each of its names stands for."""
    segments = path.strip("/").split("/") if path.strip("/") else []
    parts: list[str] = []
    names: dict[str, str] = {}
    for segment in segments:
        if not is_id(segment):
            parts.append(segment)
            continue
        before = parts[-1] if parts and not parts[-1].startswith("{") else ""
        name = _name_after(before)
        number = 2
        while name in names:
            name, number = f"{_name_after(before)}{number}", number + 1
        names[name] = segment
        parts.append(f"{{{name}}}")
    return "/" + "/".join(parts), names


def _name_after(segment: str) -> str:
    """The name of an id after `segment`: `cards` → `cardId`, `payment-methods` →
    `paymentMethodId`; `id` after none."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", segment) if word]
    if not words or not words[0][0].isalpha():
        return "id"
    words[-1] = _singular(words[-1])
    camel = words[0].lower() + "".join(word.capitalize() for word in words[1:])
    return f"{camel}Id"


def stub_id_of(method: str, template: str) -> str:
    """A stub's id from its method and template: GET /v1/cards/{cardId} → getCard (one
    card), GET /v1/cards → getCards."""
    segments = [segment for segment in template.strip("/").split("/") if segment]
    words: list[str] = []
    for index, segment in enumerate(segments):
        if segment.startswith("{") or VERSION.fullmatch(segment):
            continue
        found = [word for word in re.split(r"[^A-Za-z0-9]+", segment) if word]
        if found and index + 1 < len(segments) and segments[index + 1].startswith("{"):
            found[-1] = _singular(found[-1])
        words += found
    return method.lower() + ("".join(word[0].upper() + word[1:] for word in words) or "Root")


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") \
        else word


@dataclass
class Observed:
    """What the proxy saw of one endpoint (method and template)."""

    method: str
    template: str
    paths: list[str] = field(default_factory=list)
    # The reply kept: (status, body or None for an empty one, the path it answered, the
    # request's JSON body or None).
    kept: tuple[int, Any, str, Any] | None = None
    authenticated: bool = False
    schema: SchemaBuilder = field(default_factory=lambda: SchemaBuilder(schema_uri=None))
    successes: int = 0


class StubRecording:
    """The endpoints outside the order API that the app called, as stubs."""

    def __init__(self) -> None:
        self.endpoints: dict[tuple[str, str], Observed] = {}
        # Why an endpoint seen was not recorded.
        self.skipped: list[str] = []

    def saw(self, method: str, path: str, authenticated: bool, request: Any, status: int,
            reply: Any) -> None:
        """One exchange: `request` and `reply` are JSON bodies, None for none."""
        template, _ = template_of(path)
        observed = self.endpoints.setdefault((method, template), Observed(method, template))
        if path not in observed.paths:
            observed.paths.append(path)
        observed.authenticated = observed.authenticated or authenticated
        succeeded = 200 <= status < 300
        if succeeded and reply is not None:
            observed.schema.add_object(reply)
            observed.successes += 1
        kept = observed.kept
        if succeeded or (status not in CREDENTIAL_STATUSES and (kept is None or
                                                           not 200 <= kept[0] < 300)):
            observed.kept = (status, reply, path, request)

    def stubs(self, secrets: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
        """The stubs (as a stubs file holds them), and a line for each generalised path to
        review. `secrets` are the credentials seen, each with the name that replaces it."""
        documents: list[dict[str, Any]] = []
        review: list[str] = []
        self.skipped = []
        taken: set[str] = set()
        for observed in self.endpoints.values():
            described = f"{observed.method} {observed.template}"
            if observed.kept is None:
                self.skipped.append(f"{described}: only the header rules' statuses were seen "
                                    "(the mock answers those itself)")
                continue
            status, body, path, request = observed.kept
            stub_id = _unique(stub_id_of(observed.method, observed.template), taken)
            document: dict[str, Any] = {"id": stub_id, "method": observed.method,
                                        "path": observed.template, "status": status,
                                        "auth": "baanx" if observed.authenticated else "none"}
            if body is not None:
                _, names = template_of(path)
                document["body"] = _with_path_placeholders(redacted(body, secrets), names)
                if 200 <= status < 300 and observed.successes:
                    document["schema"] = observed.schema.to_schema()
            if observed.template != path:
                document["example"] = redacted(path, secrets)
            if request is not None:
                document["exampleBody"] = redacted(request, secrets)
            problem = refusal_of(document)
            if problem is not None:
                self.skipped.append(f"{described}: {problem}")
                continue
            documents.append(document)
            if observed.template != "/" + path.strip("/"):
                review.append(f"stub {stub_id}: {described}, generalised from "
                              f"{', '.join(observed.paths[:3])}"
                              f"{' …' if len(observed.paths) > 3 else ''}")
        return documents, review


def refusal_of(document: Mapping[str, Any]) -> str | None:
    """Why a recorded stub cannot be one, if it cannot."""
    problems = schemas.problems("fixtures/stub.json", document)
    if problems:
        return str(problems[0])
    try:
        stub = stub_from(document, "recording")
    except FixtureError as error:
        return error.problem
    return refusal(stub, ROUTES)


def _unique(name: str, taken: set[str]) -> str:
    chosen, number = name, 2
    while chosen in taken:
        chosen, number = f"{name}{number}", number + 1
    taken.add(chosen)
    return chosen


def _with_path_placeholders(node: Any, names: Mapping[str, str]) -> Any:
    """A body whose strings equal to a path id are that id's placeholder."""
    by_value = {value: name for name, value in names.items()}
    if isinstance(node, str):
        return f"{{{{path.{by_value[node]}}}}}" if node in by_value else node
    if isinstance(node, dict):
        return {key: _with_path_placeholders(value, names) for key, value in node.items()}
    if isinstance(node, list):
        return [_with_path_placeholders(value, names) for value in node]
    return node


def redacted(node: Any, secrets: Mapping[str, str], key: str = "") -> Any:
    """`node` with each credential replaced by its name, and each personal value by a
    stand-in of its type."""
    if key and personal(key):
        return stand_in(node, key)
    if isinstance(node, str):
        for secret, name in secrets.items():
            node = node.replace(secret, name)
        return node
    if isinstance(node, dict):
        return {name: redacted(value, secrets, name) for name, value in node.items()}
    if isinstance(node, list):
        return [redacted(value, secrets, key) for value in node]
    return node


def personal(key: str) -> bool:
    return key.replace("-", "").replace("_", "").lower() in PERSONAL_KEYS


def stand_in(value: Any, key: str) -> Any:
    """A stand-in of the same JSON type for a personal value."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return 0
    if isinstance(value, str):
        return "recorded@example.com" if "email" in key.lower() else f"recorded-{key}"
    if isinstance(value, list):
        return [stand_in(item, key) for item in value]
    return {name: stand_in(item, name) for name, item in value.items()}
