"""Who is asking: signed JWTs (HS256) for people, hashed API keys for service accounts.

A token carries `sub` (the user id), `role` (national, region, icb, pcn, practice,
community_provider), `org` (the ODS code of the organisation the role is held in), `iat`,
`exp` and `iss`. Every claim is required; a token with another algorithm, a bad signature,
another issuer or past its expiry is refused with 401.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

import jwt

from neighbourhood.api.settings import ROLES, ApiSettings

ALGORITHM = "HS256"
DEFAULT_LIFETIME = dt.timedelta(hours=8)


class AuthError(Exception):
    """The credentials are missing, expired or not ours (401)."""


@dataclass(frozen=True)
class Principal:
    """The user or service account behind a request."""

    user: str
    role: str
    org_code: str
    kind: str = "user"  # or "service"

    def to_dict(self) -> dict[str, str]:
        return {"user": self.user, "role": self.role, "org_code": self.org_code, "kind": self.kind}


def mint_token(
    secret: str,
    *,
    user: str,
    role: str,
    org_code: str,
    lifetime: dt.timedelta = DEFAULT_LIFETIME,
    issuer: str = "neighbourhood",
    now: dt.datetime | None = None,
) -> tuple[str, dt.datetime]:
    """A signed token and the moment it expires (UTC)."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    issued = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    expires = issued + lifetime
    claims = {"sub": user, "role": role, "org": org_code, "iat": issued, "exp": expires,
              "iss": issuer}  # fmt: skip
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def decode_token(secret: str, token: str, *, issuer: str = "neighbourhood") -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=issuer,
            options={"require": ["sub", "role", "org", "exp", "iat", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise AuthError("the token has expired") from None
    except jwt.PyJWTError as error:
        raise AuthError(f"the token is not valid: {error}") from None
    if claims["role"] not in ROLES:
        raise AuthError(f"the token's role {claims['role']!r} is not one of {', '.join(ROLES)}")
    if not all(isinstance(claims[k], str) and claims[k] for k in ("sub", "org")):
        raise AuthError("the token's sub and org are not both text")
    return Principal(claims["sub"], claims["role"], claims["org"].upper())


def hash_key(key: str) -> str:
    """The hex SHA-256 of an API key, as the configuration file holds it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def service_account(settings: ApiSettings, key: str) -> Principal:
    digest = hash_key(key)
    for account in settings.api_keys:
        if hmac.compare_digest(account.sha256, digest):
            return Principal(account.name, account.role, account.org_code.upper(), "service")
    raise AuthError("the API key is not known")


def authenticate(settings: ApiSettings, bearer: str | None, api_key: str | None) -> Principal:
    """The principal of a request from its bearer token or its API key."""
    if api_key:
        return service_account(settings, api_key)
    if not bearer:
        raise AuthError("send a bearer token (Authorization: Bearer ...) or an X-API-Key")
    if settings.jwt_secret is None:
        raise AuthError("this server has no JWT key configured: tokens cannot be checked")
    return decode_token(settings.jwt_secret, bearer, issuer=settings.issuer)
