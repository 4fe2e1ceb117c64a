"""Virtual time: the code under test sleeps on the mock's clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import types

import pytest
import requests

from mock_baanx import BaanxMock
from mock_baanx.testing.virtual_time import VirtualTime

ORDER = {"productId": "METAL_CARD", "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}


def test_a_sleep_moves_the_mock_clock_and_the_test_clocks_at_once():
    with BaanxMock() as mock, mock.virtual_time() as virtual:
        wall, steady, started = time.time(), time.monotonic(), time.perf_counter()
        time.sleep(3600)
        assert time.perf_counter() - started < 60  # no hour went by for real
        assert time.time() - wall >= 3600
        assert time.monotonic() - steady >= 3600
        assert time.monotonic_ns() // 10**9 >= int(steady) + 3600
        assert mock.advance_clock(0)["offsetSeconds"] == 3600
        assert virtual.elapsed == 3600
    assert time.sleep is not virtual.sleep  # put back on leaving


def test_poll_times_are_virtual_so_the_polling_judge_sees_the_real_interval():
    with BaanxMock() as mock, mock.virtual_time():
        order_id = requests.post(f"{mock.base_url}/v1/order", json=ORDER,
                                 headers=mock.headers()).json()["orderId"]
        for _ in range(3):
            requests.get(f"{mock.base_url}/v1/order/{order_id}", headers=mock.headers())
            time.sleep(3)
        verdict = mock.assert_polled_politely(order_id)
    assert 3 <= verdict.shortest_interval < 3.5


def test_asyncio_sleep_follows_it_and_the_event_loop_keeps_working():
    async def client() -> float:
        started = time.monotonic()
        await asyncio.sleep(120)
        await asyncio.wait_for(asyncio.sleep(0.01), timeout=5)
        return time.monotonic() - started

    with BaanxMock() as mock, mock.virtual_time():
        assert asyncio.run(client()) >= 120
        assert mock.advance_clock(0)["offsetSeconds"] >= 120


def test_a_module_that_imported_sleep_itself_follows_once_included():
    module = types.ModuleType("client_module")
    exec("from time import sleep, monotonic\n", module.__dict__)
    with BaanxMock() as mock, mock.virtual_time() as virtual:
        assert module.sleep is not time.sleep  # still the real one, left as it was
        assert module.monotonic is not time.monotonic
        virtual.include(module)
        assert module.monotonic == virtual.monotonic
        module.sleep(30)
        assert (virtual.elapsed, mock.advance_clock(0)["offsetSeconds"]) == (30, 30)
    assert module.sleep is time.sleep


def test_a_negative_sleep_is_refused_as_time_sleep_refuses_it():
    with BaanxMock() as mock, mock.virtual_time(), pytest.raises(ValueError, match="negative"):
        time.sleep(-1)


def test_a_delay_past_the_timeout_raises_read_timeout_at_once_advancing_the_clock():
    with BaanxMock() as mock, mock.virtual_time() as virtual:
        started = time.perf_counter()
        with pytest.raises(requests.exceptions.ReadTimeout, match=r"read timeout=2"):
            requests.get(f"{mock.base_url}/v1/order/products/available", timeout=2,
                         headers=mock.headers(**{"X-Mock-Delay-Ms": "30000"}))
        assert time.perf_counter() - started < 10
        assert virtual.elapsed == 2


def test_time_machine_composes_either_way_round():
    time_machine = pytest.importorskip("time_machine")
    destination = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    with BaanxMock() as mock:
        with time_machine.travel(destination, tick=False), mock.virtual_time():
            time.sleep(10)
            assert time.time() == pytest.approx(destination.timestamp() + 10)
            assert mock.advance_clock(0)["now"].startswith("2030-01-01T00:00:10")
        mock.reset()
        with mock.virtual_time(), time_machine.travel(destination, tick=False):
            time.sleep(10)
            assert time.time() == pytest.approx(destination.timestamp() + 10)


def test_freezegun_composes_when_it_is_started_first():
    freezegun = pytest.importorskip("freezegun")
    with BaanxMock() as mock, freezegun.freeze_time("2030-01-01"), mock.virtual_time():
        time.sleep(10)
        assert time.time() == pytest.approx(dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
                                            .timestamp() + 10)
        assert mock.advance_clock(0)["now"].startswith("2030-01-01T00:00:10")


def test_a_virtual_time_is_entered_once():
    virtual = VirtualTime(lambda seconds: None)
    with virtual, pytest.raises(RuntimeError, match="already on"):
        virtual.__enter__()


def test_the_fixture_needs_a_mock_in_the_same_test(pytester):
    pytester.makepyfile(test_alone="def test_alone(baanx_virtual_time):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*baanx_virtual_time moves a mock's clock: use it with "
                                 "baanx_mock or baanx_server in the same test*"])

