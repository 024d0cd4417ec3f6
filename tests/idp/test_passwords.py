"""argon2id password hashing with explicit parameters and rehash on a parameter change."""

from __future__ import annotations

import pytest

from idp.db.passwords import DEFAULT_PARAMETERS
from idp.db.passwords import Argon2Parameters
from idp.db.passwords import PasswordHasher
from idp.db.passwords import PasswordRefused

# Cheap parameters keep the tests fast; one test uses the production defaults.
FAST = Argon2Parameters(time_cost=1, memory_cost_kib=1024, parallelism=1)
STRONGER = Argon2Parameters(time_cost=2, memory_cost_kib=2048, parallelism=1)


def test_hash_is_argon2id_with_the_configured_parameters() -> None:
    stored = PasswordHasher(FAST).hash("correct horse")
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")


def test_default_parameters_are_explicit_and_used() -> None:
    assert DEFAULT_PARAMETERS == Argon2Parameters(3, 65536, 4, 32, 16)
    stored = PasswordHasher().hash("correct horse")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_the_right_password_verifies_without_rehash() -> None:
    hasher = PasswordHasher(FAST)
    assert hasher.verify(hasher.hash("correct horse"), "correct horse") is None


def test_a_wrong_password_is_refused() -> None:
    hasher = PasswordHasher(FAST)
    stored = hasher.hash("correct horse")
    with pytest.raises(PasswordRefused):
        hasher.verify(stored, "Correct horse")


def test_two_hashes_of_one_password_differ_by_their_salt() -> None:
    hasher = PasswordHasher(FAST)
    assert hasher.hash("same") != hasher.hash("same")


def test_a_hash_made_with_old_parameters_verifies_and_gives_a_new_hash() -> None:
    old = PasswordHasher(FAST).hash("correct horse")
    current = PasswordHasher(STRONGER)
    assert current.needs_rehash(old)
    new = current.verify(old, "correct horse")
    assert new is not None and new.startswith("$argon2id$v=19$m=2048,t=2,p=1$")
    assert current.verify(new, "correct horse") is None
    assert not current.needs_rehash(new)


def test_a_hash_of_another_argon2_type_is_refused() -> None:
    stored = PasswordHasher(FAST).hash("pw").replace("$argon2id$", "$argon2i$", 1)
    with pytest.raises(PasswordRefused):
        PasswordHasher(FAST).verify(stored, "pw")


def test_a_garbled_hash_is_refused_not_crashed_on() -> None:
    with pytest.raises(PasswordRefused):
        PasswordHasher(FAST).verify("$argon2id$garbage", "pw")


@pytest.mark.parametrize("password", ["", "x" * 1025], ids=["empty", "too-long"])
def test_empty_and_overlong_passwords_are_refused(password: str) -> None:
    hasher = PasswordHasher(FAST)
    with pytest.raises(PasswordRefused):
        hasher.hash(password)
    with pytest.raises(PasswordRefused):
        hasher.verify(hasher.hash("pw"), password)


def test_verify_nothing_always_refuses() -> None:
    with pytest.raises(PasswordRefused):
        PasswordHasher(FAST).verify_nothing("makelaar-no-such-credential")
