"""Pseudonymisation at load: direct identifiers become keyed hashes; the key stays outside.

A pseudonym is HMAC-SHA256(key, kind + ":" + value), written as 32 lowercase hex digits
(128 bits). The same key and value always give the same pseudonym, so a patient loaded from
a FHIR bundle and from a clinical-system CSV extract links up; without the key the value
cannot be recovered or confirmed by guessing. The key comes from configuration:

    NEIGHBOURHOOD_PSEUDONYM_KEY        the key itself (at least 32 characters), or
    NEIGHBOURHOOD_PSEUDONYM_KEY_FILE   a file holding it (first line)

It is never written to the store. The store keeps only a fingerprint of the key
(`key_fingerprint`, an HMAC of a fixed label) so that a load with a different key, which
would break the links between loads, can be refused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from neighbourhood.identifiers import normalise_nhs_number

KEY_ENV = "NEIGHBOURHOOD_PSEUDONYM_KEY"
KEY_FILE_ENV = "NEIGHBOURHOOD_PSEUDONYM_KEY_FILE"
MIN_KEY_LENGTH = 32
PSEUDONYM_HEX_DIGITS = 32


class PseudonymKeyError(ValueError):
    """No usable pseudonymisation key in the configuration."""


@dataclass(frozen=True, repr=False)
class Pseudonymiser:
    """Keyed hashing of identifiers. `repr` never shows the key."""

    key: bytes

    def __post_init__(self) -> None:
        if len(self.key) < MIN_KEY_LENGTH:
            raise PseudonymKeyError(
                f"the pseudonymisation key must be at least {MIN_KEY_LENGTH} bytes, "
                f"not {len(self.key)}"
            )

    def __repr__(self) -> str:
        return f"Pseudonymiser(fingerprint={self.fingerprint})"

    def token(self, kind: str, value: str) -> str:
        message = f"{kind}:{value}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:PSEUDONYM_HEX_DIGITS]

    def patient_from_nhs_number(self, nhs_number: str) -> str:
        return self.token("nhs-number", normalise_nhs_number(nhs_number))

    @property
    def fingerprint(self) -> str:
        return self.token("neighbourhood-key-fingerprint", "v1")[:16]


def key_from_text(text: str, *, origin: str) -> Pseudonymiser:
    key = text.strip()
    if not key:
        raise PseudonymKeyError(f"{origin}: the pseudonymisation key is empty")
    try:
        return Pseudonymiser(key.encode("utf-8"))
    except PseudonymKeyError as error:
        raise PseudonymKeyError(f"{origin}: {error}") from error


def key_from_file(path: Path) -> Pseudonymiser:
    try:
        first = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PseudonymKeyError(
            f"{path}: cannot read the pseudonymisation key ({error})"
        ) from error
    return key_from_text(first[0] if first else "", origin=str(path))


def key_from_environment(key_file: Path | None = None) -> Pseudonymiser:
    """The key from `key_file`, else NEIGHBOURHOOD_PSEUDONYM_KEY_FILE, else
    NEIGHBOURHOOD_PSEUDONYM_KEY; a clear error when none is set."""
    if key_file is not None:
        return key_from_file(key_file)
    if os.environ.get(KEY_FILE_ENV):
        return key_from_file(Path(os.environ[KEY_FILE_ENV]))
    if os.environ.get(KEY_ENV):
        return key_from_text(os.environ[KEY_ENV], origin=KEY_ENV)
    raise PseudonymKeyError(
        "no pseudonymisation key: set NEIGHBOURHOOD_PSEUDONYM_KEY_FILE to a file holding a "
        f"key of at least {MIN_KEY_LENGTH} characters (or pass --key-file); "
        "`neighbourhood key new FILE` writes one. Keep it apart from the store."
    )


def write_new_key(path: Path) -> Pseudonymiser:
    """Write a new random key to `path` (readable by its owner only); refuse to overwrite."""
    if path.exists():
        raise PseudonymKeyError(
            f"{path}: already exists; a new key would break links to earlier loads"
        )
    text = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return key_from_text(text, origin=str(path))
