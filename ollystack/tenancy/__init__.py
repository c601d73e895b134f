"""Organisations, tenants and API keys."""

from .keys import ApiKeys, Unauthorized

__all__ = ["ApiKeys", "Unauthorized"]
