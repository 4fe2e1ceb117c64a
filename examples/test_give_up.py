from baanx_client import start_order, wait_for_order


# Over HTTP, each test in a namespace of its own: for apps that cannot use `requests`.
def test_the_client_gives_up_after_40_polls(baanx_server, baanx_virtual_time):
    baanx_server.use_lifecycle("never")
    order_id = start_order(baanx_server.url, baanx_server.headers())
    assert wait_for_order(baanx_server.url, baanx_server.headers(), order_id) is None
    assert baanx_server.order(order_id)["pollCount"] == 40  # it gave up when the docs say
    baanx_server.assert_polled_politely(order_id)


def test_an_app_configured_by_url_sees_only_its_namespace(baanx_server, baanx_namespace):
    app_base_url = baanx_namespace.url  # what your app's config gets: …/ns/<this test>
    order_id = start_order(app_base_url, baanx_server.headers())
    baanx_server.force_status(order_id, "EXPIRED")
    outcome = wait_for_order(app_base_url, baanx_server.headers(), order_id)
    assert outcome["status"] == "EXPIRED"
    assert [order["orderId"] for order in baanx_server.orders()] == [order_id]
