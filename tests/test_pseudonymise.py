"""The keyed hash and where its key comes from."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

from neighbourhood.records.pseudonymise import (
    KEY_ENV,
    KEY_FILE_ENV,
    Pseudonymiser,
    PseudonymKeyError,
    key_from_environment,
    write_new_key,
)

KEY = b"0123456789abcdef0123456789abcdef"


def test_pseudonym_is_the_keyed_hash_of_the_normalised_nhs_number():
    expected = hmac.new(KEY, b"nhs-number:9434765919", hashlib.sha256).hexdigest()[:32]
    p = Pseudonymiser(KEY)
    assert p.patient_from_nhs_number("943 476 5919") == expected
    assert p.patient_from_nhs_number("943-476-5919") == expected
    assert Pseudonymiser(KEY[::-1]).patient_from_nhs_number("9434765919") != expected


def test_the_key_is_never_shown():
    p = Pseudonymiser(KEY)
    assert KEY.decode() not in repr(p) and KEY.decode() not in str(p)
    assert len(p.fingerprint) == 16


def test_a_short_key_is_refused():
    with pytest.raises(PseudonymKeyError, match="at least 32 bytes"):
        Pseudonymiser(b"short")


def test_key_from_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(KEY_FILE_ENV, raising=False)
    with pytest.raises(PseudonymKeyError, match="no pseudonymisation key"):
        key_from_environment()
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    assert key_from_environment().key == KEY
    path = tmp_path / "k"
    path.write_text("x" * 40 + "\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(path))
    assert key_from_environment().key == b"x" * 40  # the file wins over the variable
    with pytest.raises(PseudonymKeyError, match="cannot read"):
        key_from_environment(tmp_path / "missing")


def test_write_new_key(tmp_path):
    path = tmp_path / "keys" / "neighbourhood.key"
    first = write_new_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key_from_environment(path).fingerprint == first.fingerprint
    with pytest.raises(PseudonymKeyError, match="already exists"):
        write_new_key(path)
    assert write_new_key(tmp_path / "other").fingerprint != first.fingerprint
