// The dashboard in the distribution's Firefox, over WebDriver BiDi (no driver download):
//   node dashboard_check.mjs MOCK_URL FIREFOX_PATH
// Opens the page, creates an order over the API, waits for it to appear without a reload,
// clicks "Fail payment", waits for FAILED, and prints what the API then says as JSON.
import puppeteer from "puppeteer-core";

const [url, firefox] = process.argv.slice(2);
const headers = {"X-Client-ID": "demo-client", "Authorization": "Bearer demo-token",
                 "Content-Type": "application/json"};

const browser = await puppeteer.launch({
  browser: "firefox", executablePath: firefox, headless: true,
  extraPrefsFirefox: {"network.proxy.type": 0, "app.update.enabled": false,
                      "datareporting.policy.dataSubmissionEnabled": false},
});
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1280, height: 800});
  await page.goto(`${url}/__mock/ui`);
  await page.waitForSelector("#orders");
  const created = await fetch(`${url}/v1/order`, {method: "POST", headers,
    body: JSON.stringify({productId: "METAL_CARD", paymentMethod: "CRYPTO_EXTERNAL_DAIMO"})});
  const {orderId} = await created.json();
  await page.waitForSelector(`tr[data-order-id="${orderId}"]`, {timeout: 15000});
  const button = await page.waitForSelector(
    `button[aria-label="Fail payment of order ${orderId}"]`, {timeout: 15000});
  await button.click();
  await page.waitForFunction((id) => {
    const cell = document.querySelector(`tr[data-order-id="${id}"] td.status`);
    return cell && cell.textContent === "FAILED";
  }, {timeout: 15000}, orderId);
  const fitsWidth = await page.evaluate(
    () => document.documentElement.scrollWidth <= window.innerWidth);
  const status = await (await fetch(`${url}/v1/order/${orderId}`, {headers})).json();
  console.log(JSON.stringify({orderId, fitsWidth, status}));
} finally {
  await browser.close();
}
