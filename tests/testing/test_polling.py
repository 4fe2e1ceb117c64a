"""The polling-guidance judge, on poll histories a client could leave."""

from __future__ import annotations

import pytest

from mock_baanx.testing.polling import judge_polling


def order(poll_seconds, final_at=None, status="COMPLETED", after_polls=0):
    def at(seconds):
        return f"2026-03-27T14:00:{seconds:06.3f}+00:00"

    history = [{"status": "STARTED", "at": at(0), "afterPolls": 0, "cause": "created"}]
    if final_at is not None:
        history.append({"status": status, "at": at(final_at), "afterPolls": after_polls,
                        "cause": "lifecycle complete"})
    return {"pollTimes": [at(second) for second in poll_seconds], "pollCount": len(poll_seconds),
            "history": history}


def test_a_polite_client_has_no_problems():
    verdict = judge_polling(order([3, 6, 9], final_at=9, after_polls=2))
    assert verdict.problems == ()
    assert verdict.polls == 3
    assert verdict.shortest_interval == 3


def test_too_fast():
    verdict = judge_polling(order([3, 4, 7]), min_interval=3)
    assert verdict.problems == ("1 poll(s) came sooner than 3 s after the one before "
                                "(shortest gap 1.000 s)",)


def test_too_many():
    verdict = judge_polling(order([0.5 * n for n in range(1, 6)]), min_interval=0.5,
                            max_polls=4)
    assert verdict.problems == ("polled 5 times, more than 4",)


@pytest.mark.parametrize("status", ["COMPLETED", "FAILED", "EXPIRED"])
def test_polling_on_after_a_final_status(status):
    verdict = judge_polling(order([3, 6, 9, 12], final_at=6, status=status, after_polls=1))
    assert verdict.polls_after_final == 2
    assert verdict.problems == (f"kept polling 2 more time(s) after seeing {status}",)


def test_assert_polled_politely_fails_a_hasty_client(baanx_mock):
    import requests

    from ..helpers import ORDER_BODY

    order_id = requests.post(baanx_mock.base_url + "/v1/order", json=ORDER_BODY,
                             headers=baanx_mock.headers()).json()["orderId"]
    for _ in range(5):
        requests.get(f"{baanx_mock.base_url}/v1/order/{order_id}", headers=baanx_mock.headers())
    with pytest.raises(AssertionError, match=r"kept polling 2 more time\(s\) after seeing "
                                              "COMPLETED"):
        baanx_mock.assert_polled_politely(order_id, min_interval=0)
