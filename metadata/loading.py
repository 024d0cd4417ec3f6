"""Load a role's view of the network from files: peers' signed metadata into a registry, and
the signed service catalogue. Used by every server at start-up; any problem stops the start."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from etoegang.clock import Clock
from keys.ring import PeerCertificate
from keys.ring import load_certificate
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import parse_catalogue
from metadata.registry import MetadataRegistry
from metadata.trust import MetadataTrust
from metadata.trust import load_metadata


def trust_from_files(authorities: Iterable[Path | str]) -> MetadataTrust:
    """Metadata trust anchored in CA certificate files (PKIoverheid, or the development CA)."""
    return MetadataTrust(authorities=tuple(load_certificate(Path(p)) for p in authorities))


def load_registry(
    files: Iterable[Path | str], trust: MetadataTrust, clock: Clock
) -> MetadataRegistry:
    """Every entity of every metadata file, each file's signature checked against ``trust``.

    An entry that is a directory stands for every ``*.xml`` in it (in name order), so that
    ``makelaar dv onboard`` and ``makelaar ad add`` can register peers by dropping their
    signed metadata there.
    """
    registry = MetadataRegistry()
    for entry in files:
        path = Path(entry)
        for file in sorted(path.glob("*.xml")) if path.is_dir() else [path]:
            for entity in load_metadata(file.read_bytes(), trust, clock):
                registry.replace(entity)
    return registry


def load_catalogue(
    path: Path | str, signers: tuple[PeerCertificate, ...], clock: Clock
) -> ServiceCatalogue:
    """The service catalogue, whose signature must verify with one of ``signers``."""
    return parse_catalogue(Path(path).read_bytes(), trust=signers, clock=clock)


def catalogue_signers(
    signer_metadata: Path | str, trust: MetadataTrust, clock: Clock
) -> tuple[PeerCertificate, ...]:
    """The signing certificates of the catalogue's publisher (the HM), from its metadata."""
    certificates: list[PeerCertificate] = []
    for entity in load_metadata(Path(signer_metadata).read_bytes(), trust, clock):
        certificates.extend(entity.signing_certificates())
    return tuple(certificates)
