"""``makelaar dv onboard``: register a DV with the broker after its metadata and its service
catalogue entry pass every rule (spec §5.1, §6, §10 items 1-3).

Rules, in order; any violation is printed (one line each) and nothing is registered (exit 1):

1. ``metadata.lint.lint_dv_metadata`` on the metadata (MD00-MD15);
2. ``metadata.catalogue_lint.lint_catalogue`` on the catalogue entry (SC01-SC20);
3. the pair (ON rules): ON01 every AttributeConsumingService ServiceID has a catalogue
   ServiceInstance, ON02 every instance of the DV's OIN has an AttributeConsumingService,
   ON03 the catalogue holds only this DV's OIN, ON04 each ServiceCertificate is one of the
   metadata's encryption certificates (identifiers are encrypted for it, §3.3), ON05 the
   catalogue is signed with one of the metadata's signing certificates (both come from the
   same DV), ON06 with ``--authority`` the metadata signer is issued by a trusted CA (the broker
   refuses it at start-up otherwise).

Registration: the metadata is copied to ``<registry>/dv_<entityID>.xml`` (the broker loads every
``*.xml`` of its registry directory at start-up; restart or reload it afterwards), and the
DV's ServiceProvider replaces any earlier one of the same OIN in the broker's catalogue, which is
re-signed with the HM's signing key from ``--hm-keys``. Both files are written to a temporary
name and renamed, the catalogue first.
"""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

from etoegang.clock import Clock
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from etoegang.errors import MalformedIdentifier
from etoegang.errors import ProtocolError
from etoegang.xml.parser import DOCUMENT_LIMITS
from etoegang.xml.parser import parse_xml
from keys.ring import KeyError_
from keys.ring import PeerCertificate
from keys.ring import load_ring
from metadata import build as md_build
from metadata.catalogue import ServiceCatalogue
from metadata.catalogue import parse_catalogue
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import sign_catalogue
from metadata.catalogue_lint import lint_catalogue
from metadata.identifiers import parse_service_id
from metadata.lint import lint_dv_metadata
from metadata.loading import trust_from_files
from metadata.model import EntityMetadata
from metadata.parse import parse_document
from metadata.trust import load_metadata
from metadata.trust import signature_certificate

DEFAULT_REGISTRY = Path("metadata")


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason not to register, printed as ``file:line: RULE name: message``."""

    path: Path
    line: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.rule}: {self.message}"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "dv", help="service providers (dienstverleners)"
    )
    sub = parser.add_subparsers(dest="dv_command", required=True, metavar="ACTION")
    onboard = sub.add_parser(
        "onboard", help="register a DV after its metadata and catalogue entry pass all rules"
    )
    onboard.add_argument("--metadata", type=Path, required=True, metavar="FILE")
    onboard.add_argument("--catalogue", type=Path, required=True, metavar="FILE",
                         help="the DV's service catalogue entry (signed by the DV)")
    onboard.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY, metavar="DIR",
                         help="the broker's metadata directory (default: ./metadata)")
    onboard.add_argument("--broker-catalogue", type=Path, metavar="FILE",
                         help="the broker's catalogue (default: catalogue.xml next to DIR)")
    onboard.add_argument("--hm-keys", type=Path, metavar="DIR",
                         help="key directory holding hm-signing.key/.crt to re-sign it")
    onboard.add_argument("--authority", type=Path, action="append", default=[],
                         metavar="CA", help="CA certificate the metadata signer must chain to")
    onboard.set_defaults(func=_onboard)


def _read(path: Path, problems: list[Problem]) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path, None, "ON00 readable", f"cannot read: {exc.strerror}"))
        return b""


def lint_pair(
    metadata_path: Path,
    catalogue_path: Path,
    *,
    authorities: list[Path],
    clock: Clock,
) -> tuple[list[Problem], EntityMetadata | None, ServiceCatalogue | None]:
    """Every problem of a metadata + catalogue pair; the parsed documents when there is none."""
    problems: list[Problem] = []
    md_data = _read(metadata_path, problems)
    cat_data = _read(catalogue_path, problems)
    if problems:
        return problems, None, None
    for v in lint_dv_metadata(md_data, clock):
        problems.append(Problem(metadata_path, v.line, f"{v.rule} {v.name}", v.message))
    for c in lint_catalogue(cat_data, clock=clock):
        problems.append(Problem(catalogue_path, c.line, f"{c.rule.value} {c.rule.slug}",
                                c.message))
    if problems:
        return problems, None, None
    md_root = parse_xml(md_data, DOCUMENT_LIMITS)
    (entity,) = parse_document(md_root)
    catalogue = parse_catalogue(cat_data, trust=None, clock=clock)
    problems.extend(_pair_problems(metadata_path, catalogue_path, entity, catalogue,
                                   parse_xml(cat_data, DOCUMENT_LIMITS)))
    if authorities:
        try:
            load_metadata(md_data, trust_from_files(authorities), clock)
        except (ProtocolError, KeyError_, OSError) as exc:
            problems.append(Problem(metadata_path, None, "ON06 trusted-signer", str(exc)))
    return problems, entity, catalogue


def _key(service_id: str) -> tuple[str, int]:
    parsed = parse_service_id(service_id)
    return parsed.oin, parsed.index


def _pair_problems(
    md_path: Path,
    cat_path: Path,
    entity: EntityMetadata,
    catalogue: ServiceCatalogue,
    cat_root: Any,
) -> list[Problem]:
    problems: list[Problem] = []
    sp = entity.sp
    if sp is None:  # MD13 refused this already; kept for the type checker
        return [Problem(md_path, None, "MD13 sp-descriptor", "no SPSSODescriptor")]
    md_services = {_key(s.service_id): s.service_id for s in sp.attribute_consuming_services}
    oins = {oin for oin, _ in md_services}
    instances = {}
    for provider in catalogue.providers:
        if provider.oin not in oins:
            problems.append(Problem(cat_path, None, "ON03 one-dv",
                                    f"entries for OIN {provider.oin}, which is not this DV's"))
            continue
        for instance in provider.instances:
            try:
                instances[_key(instance.service_id)] = instance
            except MalformedIdentifier:
                continue
    for key, sid in md_services.items():
        if key not in instances:
            problems.append(Problem(md_path, None, "ON01 service-in-catalogue",
                                    f"{sid} has no ServiceInstance in the catalogue"))
    encryption = set(entity.encryption_certificates())
    for key, instance in instances.items():
        if key not in md_services:
            problems.append(Problem(cat_path, None, "ON02 service-in-metadata",
                                    f"{instance.service_id} has no AttributeConsumingService "
                                    "in the metadata"))
        cert = instance.service_certificate
        if cert is None or cert not in encryption:
            problems.append(Problem(cat_path, None, "ON04 service-certificate",
                                    f"the ServiceCertificate of {instance.service_id} is not an "
                                    "encryption certificate of the metadata"))
    signer = signature_certificate(cat_root)
    if signer is None or PeerCertificate(signer) not in set(entity.signing_certificates()):
        problems.append(Problem(cat_path, None, "ON05 same-signer",
                                "the catalogue is not signed with a signing certificate of the "
                                "metadata"))
    return problems


def registry_name(entity_id: str) -> str:
    return "dv_" + re.sub(r"[^A-Za-z0-9.-]+", "_", entity_id).strip("_") + ".xml"


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def merge_catalogue(
    broker: ServiceCatalogue, entry: ServiceCatalogue, clock: Clock
) -> ServiceCatalogue:
    """The broker's catalogue with the entry's providers replacing those of the same OIN."""
    incoming = {p.oin for p in entry.providers}
    providers = [p for p in broker.providers if p.oin not in incoming] + list(entry.providers)
    return replace(broker, id=RandomIdSource().new_id(), issue_instant=clock.now(),
                   providers=tuple(providers))


def _onboard(args: argparse.Namespace, clock: Clock | None = None) -> int:
    clock = clock or SystemClock()
    problems, entity, entry = lint_pair(
        args.metadata, args.catalogue, authorities=args.authority, clock=clock
    )
    for problem in problems:
        print(problem)
    if problems or entity is None or entry is None:
        print(f"makelaar dv onboard: {len(problems)} violation(s); nothing registered")
        return 1
    registry: Path = args.registry
    broker_path: Path = args.broker_catalogue or registry.parent / "catalogue.xml"
    if not registry.is_dir():
        print(f"makelaar dv onboard: {registry} is not a directory; nothing registered")
        return 2
    if args.hm_keys is None:
        print("makelaar dv onboard: the broker catalogue is signed by the HM; give --hm-keys "
              "DIR; nothing registered")
        return 2
    try:
        # Signed with the key in use now (after a scheduled activation: the new one); read
        # trusting every published HM signing key, so a catalogue signed before the switch
        # is still accepted and comes out signed with the new key (the rollover runbook).
        hm_ring = load_ring(args.hm_keys, "hm")
        hm_signing = hm_ring.at(clock.now()).signing
        signers = tuple(pair.as_peer() for pair in hm_ring.published_signing())
        broker = parse_catalogue(broker_path.read_bytes(), trust=signers, clock=clock)
    except (ProtocolError, KeyError_, OSError) as exc:
        print(f"makelaar dv onboard: {exc}; nothing registered")
        return 2
    merged = build_catalogue(merge_catalogue(broker, entry, clock))
    _write_atomically(broker_path, md_build.to_bytes(sign_catalogue(merged, hm_signing)))
    target = registry / registry_name(entity.entity_id)
    existed = target.exists()
    _write_atomically(target, args.metadata.read_bytes())
    services = len(entity.sp.attribute_consuming_services) if entity.sp else 0
    print(f"{'updated' if existed else 'registered'} {entity.entity_id}: {target} and "
          f"{services} service(s) in {broker_path}; restart the broker to load them")
    return 0
