"""The header rules every order endpoint applies, in the documented order:
client key (499, 498) -> bearer token (401) -> permission (403)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import InvalidClientKey, MissingClientKey, NotAuthenticated, NotAuthorized
from .models import Client, Identity, User


class Directory:
    """The clients and users the mock knows."""

    def __init__(self, clients: Iterable[Client], users: Iterable[User]) -> None:
        self._clients: Mapping[str, Client] = {client.id: client for client in clients}
        self._users: Mapping[str, User] = {user.token: user for user in users}
        # One Identity per client and user that signs in (both known, so few), shared by
        # their requests rather than built for each.
        self._identities: dict[tuple[str, str], Identity] = {}

    @property
    def clients(self) -> tuple[Client, ...]:
        return tuple(self._clients.values())

    @property
    def users(self) -> tuple[User, ...]:
        return tuple(self._users.values())

    def knows(self, token: str) -> bool:
        return token in self._users

    def authenticate(self, client_key: str | None, token: str | None) -> Identity:
        """Who is calling, or the first documented error that applies.

        `client_key` is the partner application's client id, `token` the user's bearer
        token; either is None when the request carried none.
        """
        if not client_key:
            raise MissingClientKey()
        client = self._clients.get(client_key)
        if client is None:
            raise InvalidClientKey()
        user = self._users.get(token or "")
        if user is None or user.expired:
            raise NotAuthenticated()
        if not user.permitted:
            raise NotAuthorized()
        identity = self._identities.get((client.id, user.token))
        if identity is None:
            identity = self._identities[client.id, user.token] = Identity(client, user)
        return identity

