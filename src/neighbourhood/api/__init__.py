"""The REST API (FastAPI): routers per capability over the packages' results, JWT and API-key
authentication, organisation scopes, and an append-only audit log of patient-level reads."""

from neighbourhood.api.app import create_app
from neighbourhood.api.audit import AuditLog
from neighbourhood.api.auth import Principal, hash_key, mint_token
from neighbourhood.api.settings import ApiSettings, ConfigError, ServiceAccount

__all__ = [
    "ApiSettings",
    "AuditLog",
    "ConfigError",
    "Principal",
    "ServiceAccount",
    "create_app",
    "hash_key",
    "mint_token",
]
