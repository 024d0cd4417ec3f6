"""A development PKI standing in for PKIoverheid: one test root CA and, per role, a signing and
an encryption certificate (RSA 2048 or more), plus the next keys for rollover tests.

Only for development, tests and the demo: the CA's subject says so, and nothing in production
configuration points at these files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

from keys.ring import KeyPair
from keys.ring import KeyRing
from keys.ring import PrivateKey
from keys.ring import write_certificate
from keys.ring import write_private_key
from keys.rollover import write_activation

#: The roles a development network needs keys for.
ROLES: tuple[str, ...] = ("hm", "ad", "mr", "mr2", "dv", "dv2", "eb", "eidas-node")


@dataclass(frozen=True, slots=True)
class DevCa:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def _name(common_name: str, organisation: str = "Makelaar development") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "NL"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def new_rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def new_ca(now: datetime | None = None, years: int = 10) -> DevCa:
    """A self-signed test root CA ("Staat der Nederlanden" stand-in, clearly marked as test)."""
    now = now or datetime.now(UTC)
    key = new_rsa_key(3072)
    name = _name("Makelaar TEST Root CA - not PKIoverheid")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return DevCa(key, cert)


def issue(
    ca: DevCa,
    common_name: str,
    *,
    usage: str,
    key: PrivateKey | None = None,
    now: datetime | None = None,
    days: int = 825,
) -> KeyPair:
    """Issue a leaf certificate for ``usage`` "signing" or "encryption" under the test CA."""
    now = now or datetime.now(UTC)
    key = key or new_rsa_key()
    signing = usage == "signing"
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing,
                content_commitment=signing,
                key_encipherment=not signing,
                data_encipherment=not signing,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
            ),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return KeyPair(key, cert)


def issue_ec(ca: DevCa, common_name: str, *, now: datetime | None = None) -> KeyPair:
    """An ECDSA P-256 signing pair, for the eIDAS profile."""
    return issue(
        ca, common_name, usage="signing", key=ec.generate_private_key(ec.SECP256R1()), now=now
    )


def new_ring(
    ca: DevCa, role: str, *, with_next: bool = True, now: datetime | None = None
) -> KeyRing:
    """A role's key ring: signing and encryption, with next keys when asked."""
    cn = f"Makelaar {role.upper()} TEST"
    return KeyRing(
        signing=issue(ca, f"{cn} signing", usage="signing", now=now),
        encryption=issue(ca, f"{cn} encryption", usage="encryption", now=now),
        signing_next=issue(ca, f"{cn} signing next", usage="signing", now=now)
        if with_next
        else None,
        encryption_next=issue(ca, f"{cn} encryption next", usage="encryption", now=now)
        if with_next
        else None,
    )


def write_ring(directory: Path, role: str, ring: KeyRing) -> list[Path]:
    written: list[Path] = []
    parts = {
        f"{role}-signing": ring.signing,
        f"{role}-encryption": ring.encryption,
        f"{role}-signing-next": ring.signing_next,
        f"{role}-encryption-next": ring.encryption_next,
    }
    for stem, pair in parts.items():
        if pair is None:
            continue
        write_private_key(directory / f"{stem}.key", pair.private_key)
        write_certificate(directory / f"{stem}.crt", pair.certificate)
        written += [directory / f"{stem}.key", directory / f"{stem}.crt"]
    for slot, at in (
        ("signing", ring.signing_next_activation),
        ("encryption", ring.encryption_next_activation),
    ):
        if at is not None:
            written.append(write_activation(directory, role, slot, at))
    return written


def init_directory(
    directory: Path, roles: tuple[str, ...] = ROLES, *, force: bool = False
) -> list[Path]:
    """Create the development PKI in ``directory`` (``makelaar keys init DIR``).

    Refuses to overwrite an existing CA unless ``force`` is set, so keys that peers already
    trust are not replaced by accident.
    """
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    if (directory / "ca.crt").exists() and not force:
        raise FileExistsError(
            f"{directory} already holds a development PKI (use --force to replace)"
        )
    ca = new_ca()
    write_private_key(directory / "ca.key", ca.key)
    write_certificate(directory / "ca.crt", ca.certificate)
    written = [directory / "ca.key", directory / "ca.crt"]
    for role in roles:
        written += write_ring(directory, role, new_ring(ca, role))
    return written
