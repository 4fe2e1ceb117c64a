import requests
import responses

from mock_baanx import BaanxMock


@BaanxMock()
def test_products_as_a_decorator():
    products = requests.get("https://api.baanx.com/v1/order/products/available",
                            headers={"X-Client-ID": "demo-client",
                                     "Authorization": "Bearer subscribed-token"}).json()
    assert {p["id"]: p["isEligible"] for p in products} == {
        "PREMIUM_SUBSCRIPTION": False, "METAL_CARD": True}


def test_beside_your_own_responses_mocks():
    with responses.RequestsMock() as yours, BaanxMock() as baanx:
        yours.get("https://pricing.example/rate", json={"USDC": 1.0})
        assert requests.get("https://pricing.example/rate").json() == {"USDC": 1.0}
        reply = requests.get("https://dev.api.baanx.com/v1/order/products/available",
                             headers=baanx.headers())
        assert reply.status_code == 200
