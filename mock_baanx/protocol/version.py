"""This mock-baanx's version, as installed. Control replies carry it (`X-Mock-Baanx`), so
that a client can tell a mock-baanx from any other server."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

VERSION_HEADER = "X-Mock-Baanx"

try:
    __version__ = version("mock-baanx")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"
