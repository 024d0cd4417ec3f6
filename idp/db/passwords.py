"""Password hashing for the means issuer's credentials: argon2id with explicit parameters.

The parameters are written down here rather than taken from argon2-cffi's defaults, so that an
upgrade of the library never changes them silently. When they are raised, a stored hash made
with older parameters still verifies, and :meth:`PasswordHasher.verify` returns the new hash to
store (rehash on the next successful login).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import argon2
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError

#: Passwords longer than this are refused before hashing (no one types 1,024 characters, and a
#: megabyte-long "password" should not reach the hash function).
MAX_PASSWORD_LENGTH: Final = 1024


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """argon2id cost parameters (RFC 9106 §4, second recommended option by default)."""

    time_cost: int = 3
    memory_cost_kib: int = 64 * 1024
    parallelism: int = 4
    hash_len: int = 32
    salt_len: int = 16


DEFAULT_PARAMETERS: Final = Argon2Parameters()


class PasswordRefused(Exception):
    """The password does not match, or the stored hash is unusable. Say only "wrong password"."""


class PasswordHasher:
    """Hashes and verifies passwords with argon2id under one set of parameters."""

    def __init__(self, parameters: Argon2Parameters = DEFAULT_PARAMETERS) -> None:
        self.parameters = parameters
        self._hasher = argon2.PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost_kib,
            parallelism=parameters.parallelism,
            hash_len=parameters.hash_len,
            salt_len=parameters.salt_len,
            type=argon2.Type.ID,
        )
        # Verified against when no credential exists, so that an unknown e-mail address takes
        # as long as a known one with a wrong password (no account enumeration by timing).
        # Made on first use: hashing at production cost takes a noticeable moment.
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        """The encoded hash (``$argon2id$v=19$m=...,t=...,p=...$salt$hash``) of ``password``."""
        _check(password)
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> str | None:
        """Check ``password`` against ``stored_hash``.

        :returns: None when the stored hash is current, or a new hash to store when it was made
            with other parameters.
        :raises PasswordRefused: when the password is wrong or the hash is not argon2id.
        """
        _check(password)
        if not stored_hash.startswith("$argon2id$"):
            # Only argon2id is accepted; an argon2i/argon2d hash in the table is a defect.
            raise PasswordRefused("stored hash is not argon2id")
        try:
            self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError) as exc:
            raise PasswordRefused("password does not match") from exc
        if self._hasher.check_needs_rehash(stored_hash):
            return self._hasher.hash(password)
        return None

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with other parameters than these."""
        return self._hasher.check_needs_rehash(stored_hash)

    def verify_nothing(self, password: str) -> None:
        """Spend the time of one verification and refuse: for a login with no credential."""
        if self._dummy is None:
            self._dummy = self._hasher.hash("makelaar-no-such-credential")
        try:
            self._hasher.verify(self._dummy, password[:MAX_PASSWORD_LENGTH] + "\x00")
        except VerificationError:
            pass
        raise PasswordRefused("no credential")


def _check(password: str) -> None:
    if not isinstance(password, str) or not password:
        raise PasswordRefused("empty password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordRefused("password too long")
