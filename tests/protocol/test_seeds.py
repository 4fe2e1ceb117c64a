"""Repeatable runs: a seed gives the same order ids, request ids, payment ids and
transaction hashes on every run, per namespace; a reset starts the sequence again."""

from __future__ import annotations

import re

import pytest

from mock_baanx import BaanxMock, create_app
from mock_baanx.core import Backend, SeededIds
from mock_baanx.storage.fixture_files import load_fixtures

from ..helpers import create, poll


def journey(client, prefix=""):
    created = create(client, path=f"{prefix}/v1/order", **{"X-Mock-Lifecycle": "instant"})
    completed = poll(client, created["orderId"], path=f"{prefix}/v1/order")
    return (created["orderId"], created["requestId"], completed["metadata"]["paymentId"],
            completed["metadata"]["txHash"])


def seeded_client(seed):
    return create_app(Backend(load_fixtures(), ids=SeededIds(seed))).test_client()


def test_the_same_seed_gives_the_same_ids_and_another_seed_other_ids():
    first, second, other = seeded_client(7), seeded_client(7), seeded_client(8)
    assert [journey(first) for _ in range(3)] == [journey(second) for _ in range(3)]
    assert journey(seeded_client(7)) != journey(other)


def test_each_namespace_has_its_own_sequence_and_a_reset_restarts_it():
    client = seeded_client(7)
    in_a = journey(client, "/ns/a")
    journey(client, "/ns/b")
    assert journey(seeded_client(7), "/ns/a") == in_a
    assert journey(seeded_client(7), "/ns/b") != in_a
    client.post("/ns/a/__mock/reset")
    assert journey(client, "/ns/a") == in_a


def test_ids_keep_their_documented_shapes():
    order_id, request_id, payment_id, tx_hash = journey(seeded_client(0))
    assert re.fullmatch(r"ord_[a-z0-9]{24}", order_id)
    assert re.fullmatch(r"payment_[a-z0-9]{24}", request_id)
    assert re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]{44}", payment_id)
    assert re.fullmatch(r"0x[0-9a-f]{64}", tx_hash)


def test_baanx_mock_takes_a_seed():
    import requests

    ids = []
    for _ in range(2):
        with BaanxMock(seed=3) as mock:
            ids.append(requests.post(f"{mock.base_url}/v1/order", headers=mock.headers(),
                                     json={"productId": "METAL_CARD",
                                           "paymentMethod": "CRYPTO_EXTERNAL_DAIMO"}
                                     ).json()["orderId"])
    assert ids[0] == ids[1]


@pytest.mark.parametrize("seed", [-1, "7", 1.5, True])
def test_a_seed_that_is_not_a_whole_number_from_0_is_refused(seed):
    with pytest.raises(ValueError, match="a seed is a whole number from 0"):
        BaanxMock(seed=seed)
