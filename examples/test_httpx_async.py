import httpx
import pytest


# httpx too (install mock-baanx[httpx]), sync or async (here pytest-asyncio): no server.
@pytest.mark.asyncio
async def test_products_with_an_async_httpx_client(baanx_mock):
    async with httpx.AsyncClient() as client:
        reply = await client.get(f"{baanx_mock.base_url}/v1/order/products/available",
                                 headers=baanx_mock.headers())
    assert reply.json()[0]["id"] == "PREMIUM_SUBSCRIPTION"
