"""Async everywhere the sync side works: BaanxMock as a decorator on `async def` and as
`async with`, and the fixtures under pytest-asyncio and anyio's pytest plugin."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from mock_baanx import BaanxMock

from ..helpers import headers

PRODUCTS = "https://api.baanx.com/v1/order/products/available"


def test_the_decorator_mocks_while_an_async_test_runs():
    seen: list[int] = []

    @BaanxMock(passthrough=False)
    async def scenario() -> None:
        await asyncio.sleep(0)  # the coroutine runs after the call that made it returned
        async with httpx.AsyncClient() as client:
            seen.append((await client.get(PRODUCTS, headers=headers())).status_code)

    assert asyncio.iscoroutinefunction(scenario)
    asyncio.run(scenario())
    assert seen == [200]


def test_async_with_starts_and_stops_the_mock():
    async def scenario() -> tuple[int, type[Exception]]:
        async with BaanxMock(passthrough=False) as mock, httpx.AsyncClient() as client:
            answered = (await client.get(mock.base_url + "/v1/order/products/available",
                                         headers=mock.headers())).status_code
        try:
            # Stopped: the host is no longer answered (and this one leads nowhere).
            async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=0)) as client:
                await client.get("http://127.0.0.1:9/v1/order/products/available", timeout=2)
        except httpx.HTTPError as error:
            return answered, type(error)
        return answered, Exception

    answered, failure = asyncio.run(scenario())
    assert answered == 200
    assert issubclass(failure, httpx.ConnectError)


ASYNC_TESTS = """
import asyncio

import httpx
import pytest

{marker}


async def test_in_process(baanx_mock):
    async with httpx.AsyncClient() as client:
        reply = await client.get(baanx_mock.base_url + "/v1/order/products/available",
                                 headers=baanx_mock.headers())
    assert reply.status_code == 200


async def test_served(baanx_server):
    async with httpx.AsyncClient() as client:
        reply = await client.get(baanx_server.url + "/v1/order/products/available",
                                 headers=baanx_server.headers())
    assert reply.status_code == 200
    assert [entry["status"] for entry in baanx_server.journal()] == [200]


async def test_virtual_time(baanx_mock, baanx_virtual_time):
    await asyncio.sleep(30)
    assert baanx_mock.advance_clock(0)["offsetSeconds"] == 30
"""


@pytest.mark.parametrize(("plugin", "marker"), [
    ("pytest-asyncio", "pytestmark = pytest.mark.asyncio"),
    ("anyio", "pytestmark = pytest.mark.anyio\n\n\n@pytest.fixture\ndef anyio_backend():\n"
              "    return 'asyncio'"),
])
def test_the_fixtures_work_under_the_async_test_plugins(pytester, plugin, marker):
    pytester.makepyfile(test_async=ASYNC_TESTS.format(marker=marker))
    pytester.makeini("[pytest]\nfilterwarnings = error\n"
                     "asyncio_default_fixture_loop_scope = function\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
