"""The products on offer and which of them a given user may order."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import NotAuthorized, ValidationFailed
from .models import Product, User


@dataclass(frozen=True, slots=True)
class Offer:
    product: Product
    is_eligible: bool


class Catalog:
    def __init__(self, products: Iterable[Product]) -> None:
        self._products = {product.id: product for product in products}

    @property
    def products(self) -> tuple[Product, ...]:
        return tuple(self._products.values())

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(self._products)

    def offers_for(self, user: User) -> list[Offer]:
        """Every product, in catalogue order, with whether this user may order it now."""
        return [Offer(product, is_eligible(user, product)) for product in self._products.values()]

    def orderable(self, user: User, product_id: str) -> Product:
        """The product `user` wants to order: 422 if the catalogue lacks it, 403 if the
        user is not eligible for it."""
        product = self._products.get(product_id)
        if product is None:
            known = ", ".join(sorted(self._products))
            raise ValidationFailed(f"productId must be one of: {known}")
        if not is_eligible(user, product):
            raise NotAuthorized()
        return product


def is_eligible(user: User, product: Product) -> bool:
    """A user whose KYC is pending may order nothing; otherwise all but the products
    listed as ineligible for them (e.g. a subscription they already hold)."""
    return user.kyc_verified and product.id not in user.ineligible_products
