"""ClickHouse storage: client factory, DDL, migrations and tenant-scoped reads."""

from .client import StoreBusy, StoreConfigError, make_client
from .migrate import SchemaTooNewError
from .scope import TenantError, TenantScope, UnsafeQueryError
from .store import Store, TableStats
from .writer import TenantWriter

__all__ = [
    "SchemaTooNewError",
    "Store",
    "StoreBusy",
    "StoreConfigError",
    "TableStats",
    "TenantError",
    "TenantScope",
    "TenantWriter",
    "UnsafeQueryError",
    "make_client",
]
