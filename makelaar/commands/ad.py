"""``makelaar ad add``: admit another means issuer's authentication service (AD) to the broker.

The AD's metadata must verify with a trusted CA (``--authority``, the network's PKI) and
describe an AD the broker can use (spec §4.1, §4.6, §5.3): one entity, an etoegang AD EntityID
(or an https URL), an IDPSSODescriptor with an HTTP-Artifact SingleSignOnService, a SOAP
ArtifactResolutionService, signing keys, and an assurance certification naming eHerkenning
levels (discovery lists the AD for services up to that level, spec §9). Then it is copied to
``<registry>/ad_<entityID>.xml``, where the broker loads it at its next start.
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from etoegang.clock import Clock
from etoegang.clock import SystemClock
from etoegang.errors import MalformedIdentifier
from etoegang.errors import ProtocolError
from keys.ring import KeyError_
from metadata.identifiers import NetworkRole
from metadata.identifiers import parse_entity_id
from metadata.loading import trust_from_files
from metadata.model import Binding
from metadata.model import EntityMetadata
from metadata.trust import load_metadata
from policies.loa import Loa

DEFAULT_REGISTRY = Path("metadata")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "ad", help="authentication services (ADs) of means issuers"
    )
    sub = parser.add_subparsers(dest="ad_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="admit an AD by its signed metadata")
    add.add_argument("--metadata", type=Path, required=True, metavar="FILE")
    add.add_argument("--registry", type=Path, default=DEFAULT_REGISTRY, metavar="DIR",
                     help="the broker's metadata directory (default: ./metadata)")
    add.add_argument("--authority", type=Path, action="append", required=True, metavar="CA",
                     help="CA certificate the metadata signer must be issued by")
    add.set_defaults(func=_add)


def check_ad(entity: EntityMetadata) -> list[str]:
    """Every reason the broker could not use this entity as an AD."""
    problems: list[str] = []
    if entity.entity_id.startswith("urn:"):
        try:
            if parse_entity_id(entity.entity_id).role is not NetworkRole.AD:
                problems.append("the entityID is not an AD EntityID (urn:etoegang:AD:...)")
        except MalformedIdentifier as exc:
            problems.append(exc.public)
    elif not entity.entity_id.startswith("https://"):
        problems.append("the entityID is neither an etoegang URN nor an https URL")
    idp = entity.idp
    if idp is None:
        return [*problems, "no IDPSSODescriptor"]
    if not any(e.binding is Binding.HTTP_ARTIFACT for e in idp.single_sign_on):
        problems.append("no SingleSignOnService with the HTTP-Artifact binding")
    if not any(e.binding is Binding.SOAP for e in idp.artifact_resolution):
        problems.append("no ArtifactResolutionService with the SOAP binding")
    if not idp.keys.signing:
        problems.append("no signing certificate")
    levels = []
    for value in entity.assurance_certifications:
        try:
            levels.append(Loa(value))
        except ValueError:
            continue
    if not levels:
        problems.append("no assurance-certification with an eHerkenning level (loa2..loa4)")
    return problems


def add_ad(metadata: Path, registry: Path, authorities: list[Path], clock: Clock) -> list[str]:
    """Check and copy; the problems found (nothing is copied when there is one)."""
    try:
        data = metadata.read_bytes()
        entities = load_metadata(data, trust_from_files(authorities), clock)
    except (ProtocolError, KeyError_, OSError) as exc:
        return [str(exc)]
    if len(entities) != 1:
        return [f"the file describes {len(entities)} entities; give one AD"]
    problems = check_ad(entities[0])
    if problems:
        return problems
    if not registry.is_dir():
        return [f"{registry} is not a directory"]
    name = "ad_" + re.sub(r"[^A-Za-z0-9.-]+", "_", entities[0].entity_id).strip("_") + ".xml"
    temporary = registry / f".{name}.tmp"
    temporary.write_bytes(data)
    os.replace(temporary, registry / name)
    return []


def _add(args: argparse.Namespace, clock: Clock | None = None) -> int:
    problems = add_ad(args.metadata, args.registry, args.authority, clock or SystemClock())
    for problem in problems:
        print(f"{args.metadata}: {problem}")
    if problems:
        print(f"makelaar ad add: {len(problems)} problem(s); nothing admitted")
        return 1
    print(f"admitted {args.metadata} into {args.registry}; restart the broker to load it")
    return 0
