"""Development PKI, key files and the key ring."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from keys.devpki import DevCa
from keys.devpki import issue
from keys.keyname import fingerprints
from keys.keyname import key_name
from keys.ring import KeyError_
from keys.ring import KeyRing
from keys.ring import load_ring
from makelaar.cli import main


def test_keys_init_writes_a_pki_with_private_keys_0600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pki"
    assert main(["keys", "init", str(target), "--role", "hm", "--role", "dv"]) == 0
    out = capsys.readouterr().out
    assert "Not for production" in out
    keys = sorted(p.name for p in target.glob("*.key"))
    assert keys == [
        "ca.key",
        "dv-encryption-next.key",
        "dv-encryption.key",
        "dv-signing-next.key",
        "dv-signing.key",
        "hm-encryption-next.key",
        "hm-encryption.key",
        "hm-signing-next.key",
        "hm-signing.key",
    ]
    for path in target.glob("*.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert b"PRIVATE KEY" not in out.encode()
    ring = load_ring(target, "hm")
    assert ring.signing.private_key.key_size >= 2048  # type: ignore[union-attr]
    assert ring.signing_next is not None and ring.encryption_next is not None
    assert ring.signing.key_name == key_name(ring.signing.certificate)
    assert len(ring.signing.key_name) == 64


def test_keys_init_refuses_to_overwrite_an_existing_pki(tmp_path: Path) -> None:
    assert main(["keys", "init", str(tmp_path), "--role", "hm"]) == 0
    before = (tmp_path / "ca.crt").read_bytes()
    assert main(["keys", "init", str(tmp_path), "--role", "hm"]) == 1
    assert (tmp_path / "ca.crt").read_bytes() == before


def test_a_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    assert main(["keys", "init", str(tmp_path), "--role", "dv"]) == 0
    (tmp_path / "dv-signing.key").chmod(0o644)
    with pytest.raises(KeyError_, match="chmod 600"):
        load_ring(tmp_path, "dv")


def test_key_pair_repr_shows_no_key_material(rings: dict[str, KeyRing]) -> None:
    pair = rings["hm"].signing
    text = repr(pair) + str(pair) + repr(rings["hm"])
    assert "PRIVATE" not in text
    assert pair.key_name[:16] in repr(pair)


def test_small_rsa_keys_are_refused(dev_ca: DevCa) -> None:
    from keys.devpki import new_rsa_key

    with pytest.raises(KeyError_, match="at least 2048"):
        issue(dev_ca, "weak", usage="signing", key=new_rsa_key(1024))


def test_decryption_key_found_by_either_fingerprint_for_current_and_next(
    rings: dict[str, KeyRing],
) -> None:
    ring = rings["dv"]
    assert ring.encryption_next is not None
    for pair in (ring.encryption, ring.encryption_next):
        for name in fingerprints(pair.certificate):
            assert ring.decryption_key(name.upper()) is pair
    assert ring.decryption_key("00" * 32) is None
    assert ring.decryption_key(None) is None
