"""The dashboard in a real headless browser (the distribution's Chromium, driven by
Playwright): orders appear without a reload, and one click settles a payment."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
import requests

sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is in the test extras")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("no Chromium to drive: apt-get install chromium (.ci/run does it)",
                allow_module_level=True)

from ..helpers import ORDER_BODY, headers  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.served]

expect = sync_api.expect
# As root, with no network beyond loopback: no sandbox, and nothing in the background.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, baanx_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.goto(f"{baanx_server.url}/__mock/ui")
    expect(opened.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
    yield opened
    context.close()


def create_order(server, **extra) -> str:
    reply = requests.post(f"{server.url}/v1/order", json=ORDER_BODY, timeout=10,
                          headers=headers(**extra))
    assert reply.status_code == 200
    return reply.json()["orderId"]


def row_of(page, order_id):
    return page.locator(f'tr[data-order-id="{order_id}"]')


def test_an_order_appears_and_one_click_fails_its_payment(page, baanx_server):
    order_id = create_order(baanx_server)
    row = row_of(page, order_id)
    expect(row).to_be_visible()
    expect(row.locator("td.status")).to_have_text("STARTED")
    expect(row).to_contain_text("user-demo")
    expect(row).to_contain_text("PREMIUM_SUBSCRIPTION")

    page.get_by_role("button", name=f"Fail payment of order {order_id}").click()
    expect(row.locator("td.status")).to_have_text("FAILED")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(row).to_contain_text("payment_refunded")
    status = requests.get(f"{baanx_server.url}/v1/order/{order_id}", headers=headers(),
                          timeout=10).json()
    assert status["status"] == "FAILED"
    assert status["metadata"] == {"note": "payment_refunded"}


def test_polls_show_up_and_the_keyboard_completes_a_payment(page, baanx_server):
    order_id = create_order(baanx_server, **{"X-Mock-Lifecycle": "never"})
    for _ in range(3):
        requests.get(f"{baanx_server.url}/v1/order/{order_id}", headers=headers(), timeout=10)
    row = row_of(page, order_id)
    expect(row.locator("td").nth(5)).to_have_text("3")
    button = page.get_by_role("button", name=f"Complete payment of order {order_id}")
    button.focus()
    # Refreshes come and go; the focus stays where the user put it.
    page.wait_for_timeout(2500)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        f"Complete payment of order {order_id}")
    page.keyboard.press("Enter")
    expect(row.locator("td.status")).to_have_text("COMPLETED")
    status = requests.get(f"{baanx_server.url}/v1/order/{order_id}", headers=headers(),
                          timeout=10).json()
    assert status["status"] == "COMPLETED"
    assert "paidAt" in status


def test_the_controls(page, baanx_server):
    page.get_by_label("Lifecycle", exact=True).select_option("instant")
    page.get_by_label("How many orders (empty: until reset)").fill("1")
    page.get_by_role("button", name="Use for next orders").click()
    expect(page.locator("#next-line")).to_have_text("Next orders: instant for 1 more")
    instant = create_order(baanx_server)
    assert requests.get(f"{baanx_server.url}/v1/order/{instant}", headers=headers(),
                        timeout=10).json()["status"] == "COMPLETED"

    page.get_by_label("Seconds to move forward").fill("90")
    page.get_by_role("button", name="Advance clock").click()
    expect(page.locator("#clock-line")).to_contain_text("(90 s ahead)")

    page.get_by_label("Endpoint").select_option("createOrder")
    page.get_by_label("Answer").select_option("500")
    page.get_by_role("button", name="Inject fault").click()
    expect(page.locator("#faults-line")).to_have_text("Pending: createOrder → 500, 1 more call")
    failed = requests.post(f"{baanx_server.url}/v1/order", json=ORDER_BODY, headers=headers(),
                           timeout=10)
    assert failed.status_code == 500
    expect(page.locator("#faults-line")).to_have_text("No faults pending.")
    expect(page.locator("#journal")).to_contain_text("POST /v1/order → 500")

    page.get_by_role("button", name="Reset the mock").click()
    expect(page.locator("#orders tbody tr")).to_have_count(0)
    expect(page.locator("#no-orders")).to_be_visible()
    expect(page.locator("#clock-line")).not_to_contain_text("ahead")


@pytest.mark.parametrize("width", [1280, 390])
def test_readable_without_sideways_scrolling(browser, baanx_server, width):
    for _ in range(3):
        create_order(baanx_server)
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(f"{baanx_server.url}/__mock/ui")
    expect(page.locator("#orders tbody tr")).to_have_count(3)
    # The page itself never scrolls sideways; a narrow window scrolls only the table.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()


def test_the_page_works_in_its_namespace_and_switches_to_another(browser, baanx_server):
    mine = create_order(baanx_server)
    other = baanx_server.in_namespace("someone-else")
    theirs = create_order(other)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{baanx_server.url}/__mock/ui")
    expect(row_of(page, mine)).to_be_visible()
    expect(row_of(page, theirs)).to_have_count(0)
    page.get_by_label("Namespace").select_option("someone-else")
    expect(page).to_have_url(f"{baanx_server.base_url}/ns/someone-else/__mock/ui")
    expect(row_of(page, theirs)).to_be_visible()
    expect(row_of(page, mine)).to_have_count(0)
    context.close()


def test_coverage_shows_what_was_served_and_the_journal_no_icon(page, baanx_server):
    order_id = create_order(baanx_server, **{"X-Mock-Lifecycle": "instant"})
    requests.get(f"{baanx_server.url}/v1/order/{order_id}", headers=headers(), timeout=10)
    coverage = page.locator("#coverage")
    expect(coverage.locator("tr", has_text="200 COMPLETED").locator("td.seen")).to_have_text("1")
    expect(page.locator("#coverage-line")).to_have_text("2 of 26 outcomes served so far.")
    expect(page.locator("#journal")).to_contain_text("GET /v1/order/")
    paths = [entry["path"] for entry in baanx_server.journal()]
    assert paths == ["/v1/order", f"/v1/order/{order_id}"]


def test_a_large_order_book_is_shown_a_page_at_a_time(page, baanx_server):
    created = [create_order(baanx_server) for _ in range(120)]
    expect(page.locator("#orders tbody tr")).to_have_count(50)
    expect(page.locator("#page-line")).to_have_text("Orders 1\u201350 of 120")
    expect(row_of(page, created[-1])).to_be_visible()
    page.get_by_role("button", name="Older").click()
    expect(page.locator("#page-line")).to_have_text("Orders 51\u2013100 of 120")
    expect(row_of(page, created[69])).to_be_visible()
    page.get_by_role("button", name="Older").click()
    expect(page.locator("#orders tbody tr")).to_have_count(20)
    expect(page.get_by_role("button", name="Older")).to_be_disabled()


def test_at_390_px_status_and_payment_are_in_view(browser, baanx_server):
    order_id = create_order(baanx_server)
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(f"{baanx_server.url}/__mock/ui")
    row = row_of(page, order_id)
    for label in ("Status", "Payment"):
        cell = row.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 390
    expect(row.get_by_role("button", name=f"Fail payment of order {order_id}")).to_be_visible()
    context.close()


def test_on_a_guarded_mock_the_dashboard_asks_for_the_token_once_and_keeps_it(browser):
    from mock_baanx.core import Backend
    from mock_baanx.storage.fixture_files import load_fixtures
    from mock_baanx.testing.baanx_server import BaanxServer

    token = "a-token-for-the-dashboard-test"
    served = BaanxServer.start(Backend(load_fixtures()), control_token=token)
    context = browser.new_context()
    try:
        opened = context.new_page()
        asked: list[str] = []

        def answer(dialog) -> None:
            asked.append(dialog.message)
            dialog.accept(token)

        opened.on("dialog", answer)
        opened.goto(f"{served.url}/__mock/ui")
        expect(opened.locator("#message")).not_to_contain_text("Cannot reach")
        expect(opened.locator("#fault-endpoint option")).to_have_count(4)
        order_id = create_order(served)
        expect(row_of(opened, order_id)).to_be_visible()
        assert len(asked) == 1
        assert "token" in asked[0]
        # A reload in the same tab asks no more: the token is kept for the tab.
        opened.reload()
        expect(row_of(opened, order_id)).to_be_visible()
        assert len(asked) == 1
        assert token not in opened.url
    finally:
        context.close()
        served.stop()


def test_a_stub_added_while_the_page_is_open_is_listed_and_can_be_faulted(page, baanx_server):
    expect(page.locator("#stubs-line")).to_contain_text("None")
    baanx_server.add_stub(id="getUser", method="GET", path="/v1/user",
                          body={"id": "{{user.id}}"})
    expect(page.locator("#stubs tbody tr")).to_have_text(["getUserGET /v1/user200baanx"])
    page.get_by_label("Endpoint").select_option("getUser")
    page.get_by_label("Answer").select_option("503")
    page.get_by_role("button", name="Inject fault").click()
    expect(page.locator("#faults-line")).to_have_text("Pending: getUser → 503, 1 more call")
    url = f"{baanx_server.url}/v1/user"
    assert requests.get(url, headers=headers(), timeout=10).status_code == 503
    assert requests.get(url, headers=headers(), timeout=10).json() == {"id": "user-demo"}
    expect(page.locator("#journal")).to_contain_text("GET /v1/user → 503")
    expect(page.locator("#coverage").locator("tr", has_text="GET /v1/user").first
           ).to_be_visible()
