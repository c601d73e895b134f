"""API key -> tenant resolution for everything that receives data or requests."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from ..store.scope import check_tenant

DEFAULT_TENANT = "default"


class Unauthorized(Exception):
    """Missing or unknown API key while authentication is on."""


class ApiKeys:
    """Maps API keys to tenants; with no keys configured, authentication is off.

    Keys are compared in constant time against every configured key, so response timing does
    not reveal how much of a guessed key was right.
    """

    def __init__(self, mapping: Mapping[str, str] | None = None) -> None:
        self._keys = [(k.encode(), check_tenant(t)) for k, t in (mapping or {}).items() if k]

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    def key_for(self, tenant: str) -> str | None:
        """A configured key of `tenant` (for tools acting on its behalf), or None."""
        return next((k.decode() for k, t in self._keys if t == tenant), None)

    def tenant_for(self, key: str | None) -> str:
        if not self.enabled:
            return DEFAULT_TENANT
        if not key:
            raise Unauthorized("missing API key: send 'Authorization: Bearer <key>' or 'x-ollystack-api-key'")
        given = key.encode()
        found: str | None = None
        for candidate, tenant in self._keys:
            if hmac.compare_digest(candidate, given):
                found = tenant
        if found is None:
            raise Unauthorized("unknown API key")
        return found

    def resolve(self, authorization: str | None, api_key_header: str | None) -> str:
        """Tenant from `Authorization: Bearer <key>` or `x-ollystack-api-key: <key>`."""
        key = api_key_header
        if not key and authorization:
            scheme, _, value = authorization.strip().partition(" ")
            key = value.strip() if scheme.lower() == "bearer" else None
        return self.tenant_for(key)
