"""Key pairs, peer certificates and the key ring with current and next keys for rollover.

A role signs with its *current* signing key and publishes both current and *next*
certificates in its metadata (and JWKS), so peers can trust the next key before the switch
(digid-eherkenning's ``next_cert_file``). For decryption every published encryption key is
tried by KeyName, so messages encrypted for either key still open during a rollover.

A next key may carry an activation instant (:mod:`keys.rollover`). The ring as loaded is the
schedule; :meth:`KeyRing.at` gives the ring as it stands at one instant, in which ``signing``
and ``encryption`` are always the keys to use *then*. Callers hold the schedule and ask for
the view per request, so a process started before the instant switches at the instant.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding

from keys.keyname import certificate_der
from keys.keyname import fingerprints
from keys.keyname import key_name
from keys.keyname import normalise_key_name
from keys.rollover import ActivationError
from keys.rollover import read_activation

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

#: Minimum RSA modulus for any eHerkenning key (spec §4.3: PKIoverheid, key >= 2048 bits).
MIN_RSA_BITS = 2048


class KeyError_(Exception):
    """A key or certificate could not be loaded or does not meet the key policy."""


class PeerCertificate:
    """A certificate registered for a peer through its metadata: the only source of trust.

    ``key_names`` holds every KeyName by which the peer may refer to this certificate: its
    fingerprints and the KeyName element(s) its metadata lists next to it.
    """

    __slots__ = ("certificate", "key_names", "_xmlsec_key", "_der")

    def __init__(self, certificate: x509.Certificate, extra_key_names: Iterable[str] = ()) -> None:
        self.certificate = certificate
        self._der = certificate_der(certificate)
        self.key_names = fingerprints(certificate) | {
            normalise_key_name(name) for name in extra_key_names if name.strip()
        }
        self._xmlsec_key: Any = None

    @property
    def der(self) -> bytes:
        return self._der

    @property
    def key_name(self) -> str:
        return key_name(self.certificate)

    def public_key(self) -> PublicKey:
        key = self.certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise KeyError_("only RSA and EC certificates are supported")
        return key

    def matches(self, name: str) -> bool:
        return normalise_key_name(name) in self.key_names

    def xmlsec_key(self) -> Any:
        """The certificate as an ``xmlsec.Key`` for verification or encryption (cached)."""
        if self._xmlsec_key is None:
            self._xmlsec_key = xmlsec.Key.from_memory(
                self._der, xmlsec.constants.KeyDataFormatCertDer
            )
            self._xmlsec_key.name = self.key_name
        return self._xmlsec_key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PeerCertificate) and other._der == self._der

    def __hash__(self) -> int:
        return hash(self._der)

    def __repr__(self) -> str:
        return (
            f"PeerCertificate({self.key_name[:16]}…, {self.certificate.subject.rfc4514_string()})"
        )


class KeyPair:
    """A private key with its certificate. ``repr`` never shows key material."""

    __slots__ = ("private_key", "certificate", "key_name", "_xmlsec_key", "_pem")

    def __init__(self, private_key: PrivateKey, certificate: x509.Certificate) -> None:
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        if private_key.public_key().public_bytes(
            Encoding.DER, spki
        ) != certificate.public_key().public_bytes(Encoding.DER, spki):
            raise KeyError_("private key does not belong to the certificate")
        if isinstance(private_key, rsa.RSAPrivateKey) and private_key.key_size < MIN_RSA_BITS:
            raise KeyError_(f"RSA key of {private_key.key_size} bits; at least {MIN_RSA_BITS}")
        self.private_key = private_key
        self.certificate = certificate
        self.key_name = key_name(certificate)
        self._xmlsec_key: Any = None
        self._pem: bytes | None = None

    def as_peer(self) -> PeerCertificate:
        """The public half, as a peer would register it from our metadata."""
        return PeerCertificate(self.certificate)

    def private_pem(self) -> bytes:
        if self._pem is None:
            self._pem = self.private_key.private_bytes(
                Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        return self._pem

    def xmlsec_key(self) -> Any:
        """The private key as an ``xmlsec.Key`` named by our KeyName (cached: parsing a PEM
        on every signature would cost more than the RSA operation's neighbours)."""
        if self._xmlsec_key is None:
            key = xmlsec.Key.from_memory(self.private_pem(), xmlsec.constants.KeyDataFormatPem)
            key.load_cert_from_memory(
                certificate_der(self.certificate), xmlsec.constants.KeyDataFormatCertDer
            )
            key.name = self.key_name
            self._xmlsec_key = key
        return self._xmlsec_key

    @property
    def not_after(self) -> datetime:
        return self.certificate.not_valid_after_utc

    def __repr__(self) -> str:
        return f"KeyPair(key_name={self.key_name[:16]}…)"


@dataclass(frozen=True, slots=True)
class ScheduledKey:
    """A next key and the instant from which it is the one in use."""

    #: ``signing`` or ``encryption`` (the KeyDescriptor ``use`` it is published under).
    use: str
    pair: KeyPair
    activation: datetime


@dataclass(frozen=True, slots=True)
class KeyRing:
    """The keys of one role: signing and encryption, each with an optional next key.

    ``signing`` and ``encryption`` are the keys in use. In a ring as loaded (the schedule) a
    ``*_next_activation`` says from when the next key takes over; :meth:`at` applies it.
    """

    signing: KeyPair
    encryption: KeyPair
    signing_next: KeyPair | None = None
    encryption_next: KeyPair | None = None
    #: Earlier encryption keys still accepted for decryption after a rollover.
    retired_encryption: tuple[KeyPair, ...] = field(default=())
    #: From this instant on ``signing_next`` signs; None: published only, not scheduled.
    signing_next_activation: datetime | None = None
    #: From this instant on peers are told to encrypt for ``encryption_next``.
    encryption_next_activation: datetime | None = None
    #: After an activation: the key that signed until then. Still published (a peer may
    #: verify a message signed just before the instant) until the operator retires it.
    signing_previous: KeyPair | None = None
    #: After an activation: the encryption key in use until then; still published, and still
    #: decrypts (a peer may have encrypted for it just before the instant).
    encryption_previous: KeyPair | None = None

    def __post_init__(self) -> None:
        for slot, pair, at in (
            ("signing", self.signing_next, self.signing_next_activation),
            ("encryption", self.encryption_next, self.encryption_next_activation),
        ):
            if at is None:
                continue
            if at.tzinfo is None:
                raise ActivationError(f"{slot}: the activation instant must be timezone-aware")
            if pair is None:
                raise ActivationError(f"{slot}: an activation is scheduled without a next key")
            certificate = pair.certificate
            if not certificate.not_valid_before_utc <= at < certificate.not_valid_after_utc:
                raise ActivationError(
                    f"{slot}: the next certificate is not valid at its activation instant "
                    f"({certificate.not_valid_before_utc:%Y-%m-%d} to "
                    f"{certificate.not_valid_after_utc:%Y-%m-%d})"
                )

    def at(self, now: datetime) -> KeyRing:
        """The ring as it stands at ``now``: a next key whose activation instant has come is
        the key in use, and the key it replaced becomes ``*_previous`` (published, unused).
        Returns ``self`` while nothing is due, so the common case costs two comparisons."""
        ring = self
        if self.signing_next_activation is not None and now >= self.signing_next_activation:
            ring = replace(
                ring,
                signing=self.signing_next or self.signing,
                signing_next=None,
                signing_next_activation=None,
                signing_previous=self.signing,
            )
        if self.encryption_next_activation is not None and now >= self.encryption_next_activation:
            ring = replace(
                ring,
                encryption=self.encryption_next or self.encryption,
                encryption_next=None,
                encryption_next_activation=None,
                encryption_previous=self.encryption,
            )
        return ring

    def scheduled(self) -> tuple[ScheduledKey, ...]:
        """The next keys that carry an activation instant; in a view from :meth:`at`, exactly
        those whose instant is still ahead (what metadata and JWKS announce)."""
        found: list[ScheduledKey] = []
        if self.signing_next is not None and self.signing_next_activation is not None:
            found.append(ScheduledKey("signing", self.signing_next, self.signing_next_activation))
        if self.encryption_next is not None and self.encryption_next_activation is not None:
            found.append(
                ScheduledKey("encryption", self.encryption_next, self.encryption_next_activation)
            )
        return tuple(found)

    def published_signing(self) -> tuple[KeyPair, ...]:
        """The key in use first, then the next one, then the one it replaced."""
        return tuple(
            k for k in (self.signing, self.signing_next, self.signing_previous) if k is not None
        )

    def published_encryption(self) -> tuple[KeyPair, ...]:
        return tuple(
            k
            for k in (self.encryption, self.encryption_next, self.encryption_previous)
            if k is not None
        )

    def decryption_keys(self) -> Iterator[KeyPair]:
        """Every key we may be asked to decrypt with, current first."""
        yield from self.published_encryption()
        yield from self.retired_encryption

    def decryption_key(self, name: str | None) -> KeyPair | None:
        """The decryption key a KeyName refers to, or None when it names none of ours."""
        if name is None:
            return None
        wanted = normalise_key_name(name)
        for pair in self.decryption_keys():
            if wanted in fingerprints(pair.certificate):
                return pair
        return None


# --- files ------------------------------------------------------------------------------------


def load_certificate(path: Path) -> x509.Certificate:
    data = path.read_bytes()
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise KeyError_(f"{path}: not a certificate") from exc


def load_private_key(path: Path, password: bytes | None = None) -> PrivateKey:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyError_(
            f"{path}: private key readable by others (mode {oct(mode & 0o777)}); chmod 600"
        )
    try:
        # Our own key from our own disk: skip the costly RSA consistency proof (about 150 ms
        # a key); the certificate match in KeyPair still catches a wrong or damaged file.
        key = serialization.load_pem_private_key(
            path.read_bytes(), password=password, unsafe_skip_rsa_key_validation=True
        )
    except (ValueError, TypeError) as exc:
        raise KeyError_(f"{path}: not a PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyError_(f"{path}: only RSA and EC keys are supported")
    return key


def load_pair(directory: Path, stem: str) -> KeyPair:
    """Load ``<stem>.key`` (mode 0600) and ``<stem>.crt`` from a directory."""
    return KeyPair(
        load_private_key(directory / f"{stem}.key"), load_certificate(directory / f"{stem}.crt")
    )


def _optional_pair(directory: Path, stem: str) -> KeyPair | None:
    if (directory / f"{stem}.key").exists():
        return load_pair(directory, stem)
    return None


def load_ring(directory: Path, role: str) -> KeyRing:
    """Load a role's key ring: ``<role>-signing``, ``<role>-encryption``, their ``-next`` and
    the next keys' ``.activation`` instants (:mod:`keys.rollover`).

    :raises KeyError_: a key, certificate or activation file is refused (the message names it).
    """
    try:
        return KeyRing(
            signing=load_pair(directory, f"{role}-signing"),
            encryption=load_pair(directory, f"{role}-encryption"),
            signing_next=_optional_pair(directory, f"{role}-signing-next"),
            encryption_next=_optional_pair(directory, f"{role}-encryption-next"),
            signing_next_activation=read_activation(directory, role, "signing"),
            encryption_next_activation=read_activation(directory, role, "encryption"),
        )
    except ActivationError as exc:
        raise KeyError_(f"{directory} ({role}): {exc}") from exc


def write_private_key(path: Path, key: PrivateKey) -> None:
    """Write a PEM private key with mode 0600 from the first byte (no window where it is 0644)."""
    data = key.private_bytes(
        Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


def write_certificate(path: Path, certificate: x509.Certificate) -> None:
    path.write_bytes(certificate.public_bytes(Encoding.PEM))
