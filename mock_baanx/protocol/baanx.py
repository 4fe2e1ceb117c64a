"""The three Baanx endpoints' handlers. The header rules apply to each, in the documented
order, before anything else (`authenticate`)."""

from __future__ import annotations

import functools
import logging

from ..core import Backend, Catalog, Identity, PaymentMethod, User
from ..core.errors import UnknownLifecycle
from .headers import LIFECYCLE_HEADER, bearer_token, client_key
from .messages import Reply, Request, json_object
from .order_json import created_body, status_body
from .route import Call
from .schemas import validated

log = logging.getLogger("mock_baanx")


def authenticate(call: Call) -> Identity:
    return identity_of(call.backend, call.request, call.namespace)


def identity_of(backend: Backend, request: Request, namespace: str) -> Identity:
    """Who `request` comes from under Baanx's header rules (499, 498, 401 in the docs'
    order, then 403 for a user not permitted): the one reading of them for the order
    endpoints, stubs and a user's views."""
    return backend.authenticate(client_key(request), bearer_token(request),
                                namespace=namespace)


def get_available_products(call: Call) -> Reply:
    identity = authenticate(call)
    return products_reply(call.backend.view(call.namespace).catalog, identity.user)


# What a user is offered changes only with the fixtures, so each catalogue and user pair is
# serialised once. Bounded: a test session builds a backend, with its catalogue, per mock.
@functools.lru_cache(maxsize=256)
def products_reply(catalog: Catalog, user: User) -> Reply:
    return Reply.json(200, [
        {"id": offer.product.id, "description": offer.product.description,
         "isEligible": offer.is_eligible}
        for offer in catalog.offers_for(user)
    ])


def create_order(call: Call) -> Reply:
    identity = authenticate(call)
    body = validated("create-order-request.json", json_object(call.request))
    lifecycle = call.request.header(LIFECYCLE_HEADER) if call.options.control else None
    store = call.backend.store
    forgot_before = store.forgot_any()
    try:
        order = call.backend.create_order(identity, body["productId"],
                                          PaymentMethod(body["paymentMethod"]),
                                          lifecycle=lifecycle, namespace=call.namespace)
    except UnknownLifecycle as unknown:
        if lifecycle is None:
            raise
        raise UnknownLifecycle(unknown.name, unknown.known, LIFECYCLE_HEADER) from None
    if not forgot_before and store.forgot_any():
        # Once: a load test that outgrows the bound should hear of it, not once per order.
        log.warning("mock-baanx: %s orders kept, the bound: from now on each new order "
                    "forgets the order used longest ago (polling it answers 404); raise "
                    "the bound with serve --max-orders N or BaanxMock(max_orders=N)",
                    f"{store.max_orders:,}")
    return Reply.json(200, created_body(order))


def get_order_status(call: Call) -> Reply:
    identity = authenticate(call)
    order = call.backend.poll_order(identity, call.params["orderId"], namespace=call.namespace)
    return Reply.json(200, status_body(order))
