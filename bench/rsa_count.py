"""Counting RSA private-key operations inside a running server, readable from outside.

:func:`install` (called by :mod:`bench.wsgi_role` when ``BENCH_COUNT_DIR`` is set, before the
role loads its keys) wraps the private key of every :class:`keys.ring.KeyPair` made afterwards
in a proxy that counts ``sign`` and ``decrypt`` calls, the only two private-key operations
Makelaar performs (XML signatures through ``etoegang.crypto.fast_sign`` and ``detached``,
EncryptedKey decryption through ``etoegang.crypto.xmlenc_decrypt``; xmlsec is used only for
verification). The proxy is registered as a virtual subclass of ``RSAPrivateKey`` so every
``isinstance`` check still holds, and forwards everything else unchanged.

Counts live in a memory-mapped file per process (``<role>-<pid>.cnt``: for each key slot two
little-endian uint64, sign then decrypt) with a sidecar ``<role>-<pid>.json`` naming each slot
by its certificate's common name; :func:`read_counts` sums them over every process of a role,
so the benchmark can read them between phases without asking the servers anything.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SLOTS = 32
_SLOT = struct.Struct("<QQ")


class _Counter:
    """The per-process counts file (memory-mapped) and its slot names."""

    def __init__(self, directory: Path, role: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        stem = directory / f"{role}-{os.getpid()}"
        self.names_file = stem.with_suffix(".json")
        path = stem.with_suffix(".cnt")
        with path.open("wb") as handle:
            handle.write(bytes(SLOTS * _SLOT.size))
        with path.open("r+b") as handle:
            self.map = mmap.mmap(handle.fileno(), SLOTS * _SLOT.size)
        self.names: list[str] = []
        self.lock = threading.Lock()

    def slot(self, name: str) -> int:
        with self.lock:
            if name in self.names:
                return self.names.index(name)
            if len(self.names) >= SLOTS:
                raise RuntimeError("too many keys to count")
            self.names.append(name)
            self.names_file.write_text(json.dumps(self.names))
            return len(self.names) - 1

    def add(self, slot: int, which: int) -> None:
        with self.lock:
            values = list(_SLOT.unpack_from(self.map, slot * _SLOT.size))
            values[which] += 1
            _SLOT.pack_into(self.map, slot * _SLOT.size, *values)


class CountingRsaKey:
    """An RSA private key that counts its private-key operations."""

    def __init__(self, key: rsa.RSAPrivateKey, counter: _Counter, slot: int) -> None:
        self._key = key
        self._counter = counter
        self._slot = slot

    def sign(self, *args: Any, **kwargs: Any) -> bytes:
        self._counter.add(self._slot, 0)
        return self._key.sign(*args, **kwargs)

    def decrypt(self, *args: Any, **kwargs: Any) -> bytes:
        self._counter.add(self._slot, 1)
        return self._key.decrypt(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._key, name)


rsa.RSAPrivateKey.register(CountingRsaKey)


def install(directory: Path, role: str) -> None:
    """From now on, every new KeyPair of this process counts its RSA private-key operations."""
    from keys.ring import KeyPair

    counter = _Counter(directory, role)
    original = KeyPair.__init__

    def counting_init(self: KeyPair, private_key: Any, certificate: Any) -> None:
        original(self, private_key, certificate)
        if isinstance(private_key, rsa.RSAPrivateKey) and not isinstance(
            private_key, CountingRsaKey
        ):
            names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            name = str(names[0].value) if names else self.key_name[:16]
            counting: Any = CountingRsaKey(private_key, counter, counter.slot(name))
            self.private_key = counting

    KeyPair.__init__ = counting_init  # type: ignore[method-assign]


def count_requests(app: Any, directory: Path, role: str) -> Any:
    """``app`` counting the HTTP requests this process serves (read with :func:`read_requests`)."""
    counter = _Counter(directory, f"http_{role}")
    slot = counter.slot("requests")

    def counting(environ: dict[str, Any], start_response: Any) -> Any:
        counter.add(slot, 0)
        return app(environ, start_response)

    return counting


def read_requests(directory: Path, role: str) -> int:
    """HTTP requests served so far by every process of ``role`` (see :func:`count_requests`)."""
    return read_counts(directory, f"http_{role}").get("requests", (0, 0))[0]


def read_counts(directory: Path, role: str) -> dict[str, tuple[int, int]]:
    """(signs, decryptions) per key name, summed over every process of ``role`` so far."""
    totals: dict[str, tuple[int, int]] = {}
    for names_file in sorted(directory.glob(f"{role}-*.json")):
        names = json.loads(names_file.read_text())
        data = names_file.with_suffix(".cnt").read_bytes()
        for slot, name in enumerate(names):
            signs, decrypts = _SLOT.unpack_from(data, slot * _SLOT.size)
            old = totals.get(name, (0, 0))
            totals[name] = (old[0] + signs, old[1] + decrypts)
    return totals
