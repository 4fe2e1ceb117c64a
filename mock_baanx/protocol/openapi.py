"""The OpenAPI 3.1 document of the mock, derived from the route table and `schemas/`.

Paths and operations come from the routes (`routes.py`), the body schemas from the files
under `schemas/`, copied into `components/schemas` under their titles with their
references rewritten to point there. Definitions a file shares (its `$defs`) are hoisted
into `components/schemas` under their own names, so that code generators give each one a
stable type and leave no `$defs` inside a schema. There is no second, hand-written copy of
any path or shape to drift from the first.

Two things the document adds to the files: on each reply, `x-fidelity` names the rules of
the fidelity ledger that govern it and their basis; and the Baanx replies' shapes leave out
`additionalProperties: false`, so that a client generated from the document accepts a field
the real API adds (novelty, not drift). The mock's strict mode still holds its own replies
to the exact files.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

from ..core import DEFAULT_NAMESPACE, Stub
from ..core.stubs import ALWAYS, PLACEHOLDER
from . import fidelity_ledger
from .headers import NAMESPACE_PREFIX
from .messages import Reply
from .route import Call, Route, RouteKind
from .schemas import DATA_KEYWORDS, SCHEMA_BASE, SCHEMAS
from .stubs import stub_routes

ERROR_EXAMPLES = {
    400: "request body must be valid JSON",
    401: "Not authenticated",
    403: "Not authorized",
    404: "Order not found",
    409: "order ord_… is already COMPLETED; a final status never changes",
    422: "paymentMethod must be one of: CRYPTO_EXTERNAL_DAIMO",
    498: "Invalid client key",
    499: "Missing client key",
    500: "Internal server error",
}
ERROR_TITLES = {
    401: "Authentication Error: bearer token missing, expired or invalid",
    403: "Authorization Error: the user lacks permission for this action",
    404: "Not found",
    409: "The order is already in a final status",
    422: "Validation Error: a field is missing or not acceptable",
    498: "Invalid Client Key: the client-id header's value is not recognised",
    499: "Missing Client Key: the client-id header is absent",
    500: "Internal Server Error: retry with exponential backoff",
}
TAG_DESCRIPTIONS = {
    RouteKind.BAANX: "The Baanx order API, as the public docs describe it.",
    RouteKind.STUB: "Other Baanx endpoints this mock answers from data (its stubs).",
    RouteKind.CONTROL: "mock-baanx's own control API: never part of the Baanx contract; absent "
                       "with --no-control.",
}
PATH_PARAMETER_DESCRIPTIONS = {"orderId": "An id returned by POST /v1/order."}
DEFS_POINTER = "/$defs/"


# --- Components --------------------------------------------------------------------------


def _component_name(schema_name: str) -> str:
    return str(SCHEMAS[schema_name]["title"])


def _ref(schema_name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{_component_name(schema_name)}"}


def _rewrite_refs(node: Any, base: str, names: dict[str, str]) -> Any:
    """`node` with every `$ref` (relative to the file's `$id`) pointing into components: a
    shared definition to its own component, anything else into its file's component."""
    if isinstance(node, list):
        return [_rewrite_refs(item, base, names) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite_refs(value, base, names) for key, value in node.items()
                 if key not in ("$id", "$schema", "$defs")}
    if "$ref" in node:
        target, _, pointer = urljoin(base, node["$ref"]).partition("#")
        if pointer.startswith(DEFS_POINTER):
            rewritten["$ref"] = f"#/components/schemas/{pointer[len(DEFS_POINTER):]}"
        else:
            rewritten["$ref"] = f"#/components/schemas/{names[target]}{pointer}"
    return rewritten


def _components(schema_names: list[str]) -> dict[str, Any]:
    names = {SCHEMA_BASE + name: _component_name(name) for name in schema_names}
    components: dict[str, Any] = {}
    for name in schema_names:
        base = SCHEMA_BASE + name
        contents = SCHEMAS[name]
        for definition, schema in contents.get("$defs", {}).items():
            hoisted = _rewrite_refs(copy.deepcopy(schema), base, names)
            if components.get(definition, hoisted) != hoisted or definition in names.values():
                raise ValueError(f"schemas/{name}: $defs/{definition} clashes with another "
                                 "component of that name")
            components[definition] = {"title": definition, **hoisted}
        components[_component_name(name)] = _rewrite_refs(copy.deepcopy(contents), base, names)
    return components


def _reachable(names: list[str]) -> list[str]:
    """The schema files `names` are, and every file their `$ref`s lead to, in the order of
    `SCHEMAS`: the document carries the shapes its operations use, no others."""
    seen: set[str] = set()
    waiting = list(names)
    while waiting:
        name = waiting.pop()
        if name in seen:
            continue
        seen.add(name)
        base = SCHEMA_BASE + name
        for ref in _refs(SCHEMAS[name]):
            target = urljoin(base, ref).partition("#")[0]
            waiting.append(target.removeprefix(SCHEMA_BASE))
    return [name for name in SCHEMAS if name in seen]


def _refs(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    if not isinstance(node, dict):
        return []
    return [*([node["$ref"]] if "$ref" in node else []),
            *(ref for value in node.values() for ref in _refs(value))]


# --- Operations --------------------------------------------------------------------------


def _json(schema_name: str, example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": _ref(schema_name)}
    examples = SCHEMAS[schema_name].get("examples")
    if example is None and examples:
        example = examples[0]
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def _errors(statuses: tuple[int, ...]) -> dict[str, Any]:
    return {str(status): {"description": ERROR_TITLES.get(status, "Error"),
                          "content": _json("error.json", {"message": ERROR_EXAMPLES[status]})}
            for status in statuses}


def _reply_content(route: Route) -> dict[str, Any]:
    if route.reply_schema is not None:
        return _json(route.reply_schema)
    return {route.reply_media_type: {"schema": {"type": "string"}}}


def _request_body(route: Route, values: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The JSON content of the route's request schema; a field that names one of this
    mock's products or lifecycles lists those it knows now as examples — never as an
    enum: more may be added at run time (and the real API adds products), and an unknown
    one gets the 422 the operation documents."""
    assert route.request_schema is not None
    content = _json(route.request_schema)
    named = {}
    for field, kind in route.known_values:
        if values.get(kind):
            names = {"examples": list(values[kind])}
            is_list = field.endswith("[]")
            named[field.removesuffix("[]")] = {"items": names} if is_list else names
    if named:
        media = content["application/json"]
        media["schema"] = {"allOf": [media["schema"], {"properties": named}]}
    return content


def _baanx_parameters(route: Route, control: bool, values: dict[str, tuple[str, ...]]
                      ) -> list[dict[str, Any]]:
    clients = values.get("clients", ())
    parameters = [
        {"name": "X-Client-ID", "in": "header", "required": True,
         "description": "The partner application's client id (x-client-key is accepted too). "
                        "Missing: 499; not recognised: 498.",
         "schema": {"type": "string", "minLength": 1,
                    **({"examples": list(clients)} if clients else {})}},
        {"name": "x-us-env", "in": "header", "required": False,
         "description": "true routes a request to the US backend; the mock accepts and "
                        "ignores it.",
         "schema": {"type": "string"}},
    ]
    if control and route.request_schema is not None:
        lifecycles = values.get("lifecycles", ())
        parameters.append({
            "name": "X-Mock-Lifecycle", "in": "header", "required": False,
            "description": "mock-baanx only: the lifecycle this order follows (an unknown one: "
                           "422).",
            "schema": {"type": "string",
                       **({"examples": list(lifecycles)} if lifecycles else {})},
        })
    return parameters


def _stub_operation(route: Route, control: bool, values: dict[str, tuple[str, ...]]
                    ) -> dict[str, Any]:
    """A stub's operation: its path, method, statuses and schemas, as its data gives them."""
    stub = route.stub
    assert stub is not None
    operation: dict[str, Any] = {"tags": [route.kind.value]}
    if stub.auth:
        operation["security"] = [{"bearerAuth": []}]
    operation["operationId"] = stub.id
    operation["summary"] = route.summary
    parameters = [{"name": name, "in": "path", "required": True,
                   "schema": {"type": "string", "minLength": 1}}
                  for name in route.path_parameters]
    if stub.auth:
        parameters += _baanx_parameters(route, False, values)
    parameters = _joined(parameters, _condition_parameters(stub))
    if parameters:
        operation["parameters"] = parameters
    if stub.request_schema is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": _stub_schema(stub.request_schema,
                                                        f"{stub.id}.request")}}}
    success: dict[str, Any] = {"description": f"What the stub {stub.id} answers"}
    if stub.has_body:
        success["content"] = {_stub_media_type(stub): {
            "schema": {} if stub.schema is None else _stub_schema(stub.schema,
                                                                  f"{stub.id}.reply")}}
    operation["responses"] = {str(stub.status): success, **_errors(route.errors)}
    return operation


def _condition_parameters(stub: Stub) -> list[dict[str, Any]]:
    """The query values and headers a stub's `when` asks for, as parameters a request may
    give: with the value named, this stub answers."""
    return [{"name": name, "in": where, "required": False,
             "description": f"{value!r}: the stub {stub.id} answers",
             "schema": {"type": "string"}}
            for where, conditions in (("query", stub.when.query), ("header", stub.when.headers))
            for name, value in conditions.items()]


def _join_stub(operation: dict[str, Any], route: Route,
               values: dict[str, tuple[str, ...]]) -> None:
    """A later stub at an operation's path and method, in that operation: its status and
    refusals among the responses, its header rules' headers and the values its `when` asks
    for among the parameters."""
    stub = route.stub
    assert stub is not None
    responses = operation["responses"]
    responses.setdefault(str(stub.status), {"description": f"What the stub {stub.id} answers"})
    for status, response in _errors(route.errors).items():
        responses.setdefault(status, response)
    more = [*(_baanx_parameters(route, False, values) if stub.auth else ()),
            *_condition_parameters(stub)]
    parameters = _joined(operation.get("parameters", []), more)
    if parameters:
        operation["parameters"] = parameters


def _joined(parameters: list[dict[str, Any]], more: list[dict[str, Any]]
            ) -> list[dict[str, Any]]:
    """`parameters` and those of `more` not among them: OpenAPI names a parameter once per
    place, a header's name in any case, a query's exactly."""
    def key(parameter: dict[str, Any]) -> tuple[str, str]:
        name = str(parameter["name"])
        return (name.lower() if parameter["in"] == "header" else name), str(parameter["in"])

    named = {key(parameter) for parameter in parameters}
    joined = list(parameters)
    for parameter in more:
        if key(parameter) not in named:
            named.add(key(parameter))
            joined.append(parameter)
    return joined


def _stub_media_type(stub: Stub) -> str:
    """The media type of a stub's body: its own Content-Type's, JSON's where it gives none,
    any where a placeholder decides it."""
    given = next((value for name, value in stub.headers if name.lower() == "content-type"),
                 None)
    if given is None:
        return "application/json"
    media_type = given.split(";", 1)[0].strip().lower()
    return "*/*" if not media_type or PLACEHOLDER.search(media_type) else media_type


# The component a stub's schema becomes, named after the stub: its `$ref`s lead there,
# or into the components of `schemas/`.
STUB_COMPONENT = "stub.{}"


def _stub_schema(schema: Any, name: str) -> Any:
    """A reference to the component a stub's schema becomes (`_stub_components`); a schema
    with no `$ref` stays in place."""
    if not isinstance(schema, dict) or not _refs(schema):
        return schema
    return {"$ref": f"#/components/schemas/{STUB_COMPONENT.format(name)}"}


def _stub_components(stub_routes: Sequence[Route]) -> dict[str, Any]:
    """The components of the stubs' schemas that hold `$ref`s, with those rewritten to lead
    into the document (a JSON pointer into the schema itself, or a file of `schemas/`), and
    the components of the files they lead to."""
    components: dict[str, Any] = {}
    files: list[str] = []
    for route in stub_routes:
        stub = route.stub
        assert stub is not None
        for schema, name in ((stub.schema, f"{stub.id}.reply"),
                             (stub.request_schema, f"{stub.id}.request")):
            if isinstance(schema, dict) and _refs(schema):
                component = STUB_COMPONENT.format(name)
                components[component] = _stub_refs_rewritten(
                    schema, str(schema.get("$id", "")), component, files)
    if files:
        components = {**_components(_reachable(files)), **components}
    return components


def _stub_refs_rewritten(node: Any, base: str, component: str, files: list[str]) -> Any:
    if isinstance(node, list):
        return [_stub_refs_rewritten(item, base, component, files) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: value if key in DATA_KEYWORDS else
                 _stub_refs_rewritten(value, base, component, files)
                 for key, value in node.items() if key not in ("$id", "$schema")}
    if isinstance(node.get("$ref"), str):
        target, _, pointer = urljoin(base, node["$ref"]).partition("#")
        if target in ("", base):
            rewritten["$ref"] = f"#/components/schemas/{component}{pointer}"
        elif target.startswith(SCHEMA_BASE):
            files.append(target.removeprefix(SCHEMA_BASE))
            rewritten["$ref"] = (
                f"#/components/schemas/{pointer[len(DEFS_POINTER):]}"
                if pointer.startswith(DEFS_POINTER) else
                f"#/components/schemas/{_component_name(target.removeprefix(SCHEMA_BASE))}"
                f"{pointer}")
    return rewritten


def _operation(route: Route, control: bool, values: dict[str, tuple[str, ...]]
               ) -> dict[str, Any]:
    if route.stub is not None:
        return _stub_operation(route, control, values)
    operation: dict[str, Any] = {"tags": [route.kind.value]}
    if route.kind is RouteKind.BAANX:
        operation["security"] = [{"bearerAuth": []}]
    operation["operationId"] = route.operation
    operation["summary"] = route.summary
    if route.description:
        operation["description"] = route.description
    parameters = [{"name": name, "in": "path", "required": True,
                   **({"description": PATH_PARAMETER_DESCRIPTIONS[name]}
                      if name in PATH_PARAMETER_DESCRIPTIONS else {}),
                   "schema": {"type": "string", "minLength": 1}}
                  for name in route.path_parameters]
    parameters += [{"name": parameter.name, "in": "query", "required": False,
                    "description": parameter.description,
                    "schema": {"type": "integer", "minimum": parameter.minimum,
                               "maximum": parameter.maximum}}
                   for parameter in route.query]
    if route.kind is RouteKind.BAANX:
        parameters += _baanx_parameters(route, control, values)
    if parameters:
        operation["parameters"] = parameters
    if route.request_schema is not None:
        operation["requestBody"] = {"required": route.request_body_required,
                                    "content": _request_body(route, values)}
    success: dict[str, Any] = {"description": route.reply_description or route.summary}
    if route.reply_status == 200:
        success["content"] = _reply_content(route)
    else:
        success["headers"] = {"Location": {"schema": {"type": "string"},
                                           "description": "Where the page is."}}
    operation["responses"] = {str(route.reply_status): success, **_errors(route.errors)}
    for status, reply in operation["responses"].items():
        rules = fidelity_ledger.rules_for(route.operation, int(status))
        if rules:
            reply["x-fidelity"] = [{"rule": rule.id, "basis": rule.basis.value}
                                   for rule in rules]
    return operation


def _allow_added_fields(node: Any) -> Any:
    """`node` without `additionalProperties: false` anywhere in it."""
    if isinstance(node, list):
        return [_allow_added_fields(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {key: _allow_added_fields(value) for key, value in node.items()
            if not (key == "additionalProperties" and value is False)}


def _open_replies(components: dict[str, Any], reply_schemas: list[str]) -> None:
    """Let the Baanx replies' shapes, and the definitions their files share, carry fields
    the docs do not mention."""
    for name in reply_schemas:
        for component in (_component_name(name), *SCHEMAS[name].get("$defs", {})):
            components[component] = _allow_added_fields(components[component])


def document(routes: Sequence[Route], control: bool = True, products: tuple[str, ...] = (),
             lifecycles: tuple[str, ...] = (), clients: tuple[str, ...] = (),
             server: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document of `routes`: the three Baanx endpoints, and the control API
    when `control` is on; `server` is where this mock serves them (a namespace's prefix).

    A served mock names its `clients`, its catalogue's `products` and its `lifecycles` as
    examples, so that a client generated from the document, or a fuzzer, knows values this
    mock accepts, without the document refusing others the mock may accept later.
    """
    values = {"products": products, "lifecycles": lifecycles, "clients": clients}
    described = _described(tuple(routes), control)
    paths: dict[str, Any] = {}
    for route in described:
        operations = paths.setdefault(route.template, {})
        method = route.method.lower()
        if route.stub is not None and method in operations:
            # A later stub at the same path and method, answering when the earlier's `when`
            # does not hold: its statuses and conditions join the earlier one's operation.
            _join_stub(operations[method], route, values)
            continue
        operations[method] = _operation(route, control, values)
    for route in described:
        if route.stub is None or route.stub.when == ALWAYS:
            continue
        # What answers when no stub's `when` holds: another route of the method whose path
        # takes this one's, always (a wider stub: nothing to add), else the table's 405
        # where the path takes other methods, or its 404.
        takes = [other for other in routes if other.pattern.fullmatch(route.template)
                 and other is not route]
        if any(other.method == route.method and (other.stub is None
                                                 or other.stub.when == ALWAYS)
               for other in takes):
            continue
        fallback = ("405", "Method not allowed") if any(
            other.method != route.method for other in takes) else ("404", "Not found")
        paths[route.template][route.method.lower()]["responses"].setdefault(fallback[0], {
            "description": "No stub's `when` holds",
            "content": _json("error.json", {"message": fallback[1]})})
    kinds = [kind for kind in TAG_DESCRIPTIONS if any(route.kind is kind for route in described)]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Baanx order API (mock-baanx)",
            "version": "1.0.0",
            "description": "The three Baanx order endpoints as mock-baanx serves them.",
        },
        "servers": [
            {"url": server, "description": "this mock"},
            {"url": "https://api.baanx.com", "description": "Baanx production"},
            {"url": "https://dev.api.baanx.com", "description": "Baanx development"},
        ],
        "tags": [{"name": kind.value, "description": TAG_DESCRIPTIONS[kind]} for kind in kinds],
        "paths": paths,
        "components": {
            "schemas": {
                **_components_of(tuple(route for route in described if route.stub is None)),
                **_stub_components([route for route in described if route.stub is not None]),
            },
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "The signed-in user's access token."},
            },
        },
    }


def _described(routes: tuple[Route, ...], control: bool) -> list[Route]:
    return [route for route in routes if route.kind in (RouteKind.BAANX, RouteKind.STUB)
            or (control and route.kind is RouteKind.CONTROL)]


# The one cache of the document: its shapes, per set of routes described (with and without
# the control API), the least recently used forgotten past this many. Everything a
# namespace adds (its products, lifecycles) is put in on each request, never cached.
COMPONENT_SETS_CACHED = 8


@lru_cache(maxsize=COMPONENT_SETS_CACHED)
def _components_of(described: tuple[Route, ...]) -> dict[str, Any]:
    body_schemas = _reachable(["error.json", *(
        name for route in described for name in (route.reply_schema, route.request_schema)
        if name is not None)])
    components = _components(body_schemas)
    _open_replies(components, _reachable(["error.json", *(
        route.reply_schema for route in described
        if route.kind is RouteKind.BAANX and route.reply_schema is not None)]))
    return components


def get_openapi(call: Call) -> Reply:
    """GET /openapi.json: the document of the routes this mock serves, naming its own
    clients, products and (with the control API) lifecycles."""
    backend = call.backend
    view = backend.view(call.namespace)
    products = tuple(product.id for product in view.catalog.products)
    lifecycles = (tuple(sorted(backend.usable_lifecycles(call.namespace)))
                  if call.options.control else ())
    clients = tuple(client.id for client in view.directory.clients)
    routes = (*call.routes, *stub_routes(view.stubs))
    # A namespace's document sends a client to that namespace, however it was asked for.
    server = "/" if call.namespace == DEFAULT_NAMESPACE else NAMESPACE_PREFIX + call.namespace
    return Reply.json(200, document(routes, call.options.control, products, lifecycles,
                                    clients, server))
