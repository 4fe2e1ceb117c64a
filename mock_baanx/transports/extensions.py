"""A user's own extensions of the mock's Flask app: `serve --extend MODULE:FUNCTION` (and
the ini `baanx_extend`) imports FUNCTION and calls it with the app, once the mock's routes
are registered and before anything is served, to add blueprints, routes or hooks.

Whatever goes wrong is one line, naming the extension: a module that cannot be imported,
a missing function, a function that raises (or exits), or a rule that takes a path and
method the mock answers itself (the mock's own routes are never shadowed).
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from ..protocol.headers import NAMESPACE_PREFIX
from .flask_app import EXTENSION, Served, declared_methods


class ExtensionError(Exception):
    """An extension that cannot be used, said in one line."""


def extend(app: Flask, targets: Iterable[str]) -> None:
    """Call each `MODULE:FUNCTION` of `targets` with `app`, in order, making sure after each
    that no rule it added collides with one of the mock's own."""
    for target in targets:
        function = extension(target)
        try:
            function(app)
        # An extension that calls sys.exit() is an extension that failed, not the end of
        # the mock's command: it is said in one line like any other failure.
        except (Exception, SystemExit) as error:
            raise ExtensionError(f"{target} failed: {one_line(error)}") from None
        try:
            refuse_collisions(app)
        except ExtensionError as error:
            raise ExtensionError(f"{target}: {error}") from None


def extension(target: str) -> Callable[[Flask], Any]:
    """The function `target` (`MODULE:FUNCTION`) names, imported as `flask --app` imports
    an app: from the current folder too."""
    module_name, colon, attribute = target.partition(":")
    if not colon or not module_name or not attribute:
        raise ExtensionError(f"{target!r} is not MODULE:FUNCTION (e.g. my_endpoints:extend)")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as error:
        raise ExtensionError(f"{target}: cannot import {module_name}: {one_line(error)}"
                             ) from None
    for name in attribute.split("."):
        if not hasattr(found, name):
            raise ExtensionError(f"{target}: {module_name} has no {attribute}")
        found = getattr(found, name)
    if not callable(found):
        raise ExtensionError(f"{target}: {attribute} is not a function")
    function: Callable[[Flask], Any] = found
    return function


def refuse_collisions(app: Flask) -> None:
    """ExtensionError naming both when a user's rule takes the path and method of one of
    the mock's own routes."""
    mock: Served = app.extensions[EXTENSION]
    own = {(route.method, shape(route.template)): route for route in mock.routes}
    # Werkzeug gives each GET rule HEAD too (which the mock answers with 405): a user's HEAD
    # rule there would never be reached.
    own.update({("HEAD", shape(route.template)): route for route in mock.routes
                if route.method == "GET"})
    for rule in app.url_map.iter_rules():
        if rule.endpoint in mock.by_endpoint:
            continue
        if mock.options.control and rule.rule.startswith(NAMESPACE_PREFIX):
            raise ExtensionError(f"{rule.rule} ({rule.endpoint}): a path under "
                                 f"{NAMESPACE_PREFIX} is a namespace's, and every rule is "
                                 "served under every namespace already")
        for method in sorted(declared_methods(rule)):
            route = own.get((method, shape(rule.rule)))
            if route is not None:
                raise ExtensionError(
                    f"{method} {rule.rule} ({rule.endpoint}) collides with the mock's own "
                    f"{route.method} {route.template} ({route.operation})")


def shape(path: str) -> str:
    """A path template with its variables unnamed: `/v1/order/<id>` and
    `/v1/order/{orderId}` are one shape."""
    return re.sub(r"<[^>]*>|\{[^}]*\}", "{}", path)


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__
