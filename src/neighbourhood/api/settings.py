"""The API's configuration: the store, the JWT signing key, service-account keys (hashed) and
the audit log. Keys come from the environment or a configuration file, never from the code.

- `NEIGHBOURHOOD_API_SECRET`: the HS256 key that signs and checks tokens (32 characters or
  more), or `jwt_secret` in the configuration file.
- `NEIGHBOURHOOD_API_CONFIG`: a YAML file with any of `jwt_secret`, `audit_log` (a path) and
  `api_keys`, a list of service accounts: `{name, sha256, role, org_code}` where `sha256` is
  the hex SHA-256 of the key (`neighbourhood.api.auth.hash_key`); the key itself is never
  stored.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET_ENV = "NEIGHBOURHOOD_API_SECRET"
CONFIG_ENV = "NEIGHBOURHOOD_API_CONFIG"
MIN_SECRET = 32
ROLES = ("national", "region", "icb", "pcn", "practice", "community_provider")


class ConfigError(ValueError):
    """The API configuration is missing something or holds a bad value."""


@dataclass(frozen=True)
class ServiceAccount:
    """A service account: its API key's SHA-256 (hex), its role and its organisation."""

    name: str
    sha256: str
    role: str
    org_code: str

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or any(c not in "0123456789abcdef" for c in self.sha256):
            raise ConfigError(f"api key {self.name!r}: sha256 is not 64 lowercase hex digits")
        if self.role not in ROLES:
            raise ConfigError(f"api key {self.name!r}: role {self.role!r} is not one of {ROLES}")


@dataclass(frozen=True)
class ApiSettings:
    db: Path
    jwt_secret: str | None = field(default=None, repr=False)
    api_keys: tuple[ServiceAccount, ...] = field(default=(), repr=False)
    audit_log: Path | None = None  # default: <store>.audit.sqlite beside the store
    issuer: str = "neighbourhood"
    max_limit: int = 1000
    capacity_max_replications: int = 20
    capacity_max_days: int = 28

    def __post_init__(self) -> None:
        object.__setattr__(self, "db", Path(self.db))
        if self.jwt_secret is not None and len(self.jwt_secret) < MIN_SECRET:
            raise ConfigError(f"the JWT secret must be {MIN_SECRET} characters or more")
        if self.audit_log is None:
            object.__setattr__(self, "audit_log", self.db.with_name(self.db.name + ".audit.sqlite"))
        else:
            object.__setattr__(self, "audit_log", Path(self.audit_log))

    @classmethod
    def load(
        cls,
        db: Path | str,
        *,
        config: Path | str | None = None,
        environ: Mapping[str, str] | None = None,
        **overrides: Any,
    ) -> ApiSettings:
        """Settings from the configuration file (`config`, or `NEIGHBOURHOOD_API_CONFIG`) and
        the environment (`NEIGHBOURHOOD_API_SECRET` wins over the file's `jwt_secret`)."""
        environ = os.environ if environ is None else environ
        path = config or environ.get(CONFIG_ENV)
        found: dict[str, Any] = {}
        if path:
            try:
                found = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError) as error:
                raise ConfigError(f"cannot read the API configuration {path}: {error}") from None
            if not isinstance(found, dict):
                raise ConfigError(f"{path}: the API configuration is a mapping")
        keys = []
        for i, entry in enumerate(found.get("api_keys") or []):
            try:
                keys.append(ServiceAccount(**{k: str(v) for k, v in entry.items()}))
            except TypeError as error:
                raise ConfigError(f"{path}: api_keys[{i}]: {error}") from None
        values: dict[str, Any] = {
            "jwt_secret": environ.get(SECRET_ENV) or found.get("jwt_secret"),
            "api_keys": tuple(keys),
            "audit_log": found.get("audit_log"),
        }
        return cls(db=Path(db), **(values | overrides))
