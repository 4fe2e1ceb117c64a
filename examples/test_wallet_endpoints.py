import requests


# Served with the namespaces, faults and journal of the order endpoints.
def test_your_own_endpoint_beside_the_order_api(baanx_server):
    user = requests.get(f"{baanx_server.url}/v1/user", headers=baanx_server.headers(),
                        timeout=10)
    assert user.json() == {"id": "user-demo", "verificationState": "VERIFIED"}
    assert requests.get(f"{baanx_server.url}/v1/user", timeout=10).status_code == 499
    down = requests.get(f"{baanx_server.url}/v1/user", timeout=10,
                        headers=baanx_server.headers(x_mock_fault="503"))
    assert down.status_code == 503
    assert [entry["status"] for entry in baanx_server.journal()] == [200, 499, 503]
