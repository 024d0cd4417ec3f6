"""A complete development eHerkenning network on disk: keys, signed metadata for every role,
a signed service catalogue and one settings file per server.

``makelaar demo`` and the end-to-end tests build their network with :func:`build_network`;
each role reads only its own settings file and the public files of its peers, exactly as it
would in production, so nothing here leaks one role's internals into another.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from etoegang.clock import Clock
from etoegang.clock import RandomIdSource
from etoegang.clock import SystemClock
from keys.devpki import DevCa
from keys.devpki import new_ca
from keys.devpki import new_ring
from keys.devpki import write_ring
from keys.ring import KeyRing
from keys.ring import write_certificate
from keys.ring import write_private_key
from makelaar import eidas_network as eidas_net
from metadata import build as md_build
from metadata import catalogue as cat
from metadata.build import generate
from metadata.catalogue_build import DvServiceSpec
from metadata.catalogue_build import build_catalogue
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_build import catalogue_of
from metadata.catalogue_build import sign_catalogue
from metadata.catalogue_build import stable_uuid
from metadata.identifiers import service_id
from metadata.inputs import AdInput
from metadata.inputs import AnyRoleInput
from metadata.inputs import DvInput
from metadata.inputs import DvService
from metadata.inputs import HmInput
from metadata.inputs import Mr2Input
from metadata.inputs import MrInput
from metadata.model import Contact
from metadata.model import ContactType
from metadata.model import LocalizedText
from metadata.model import Organisation
from policies.loa import Loa

HM_OIN = "00000099000000000001"
MU_OIN = "00000099000000000002"
DV_OIN = "00000099000000000003"
HM_ENTITY = f"urn:etoegang:HM:{HM_OIN}:entities:9001"
AD_ENTITY = f"urn:etoegang:AD:{MU_OIN}:entities:9001"
MR_ENTITY = f"urn:etoegang:MR:{MU_OIN}:entities:9002"
MR2_ENTITY = f"urn:etoegang:MR:{MU_OIN}:entities:9003"
DV_ENTITY = f"urn:etoegang:DV:{DV_OIN}:entities:9001"

DEFAULT_PORTS = {"broker": 8801, "idp": 8802, "dv": 8803, "eidas-node": 8804}


@dataclass(frozen=True, slots=True)
class DemoService:
    """A service of the demo DV: its catalogue index, names and level."""

    index: int
    name_nl: str
    name_en: str
    loa: Loa
    sso: bool
    vestigingsnr: bool = True

    @property
    def service_id(self) -> str:
        return service_id(DV_OIN, self.index)

    @property
    def service_uuid(self) -> str:
        return stable_uuid(self.service_id, "instance")


DEMO_SERVICES: tuple[DemoService, ...] = (
    DemoService(1, "Subsidie aanvragen", "Apply for a grant", Loa.EH2PLUS, sso=True),
    DemoService(2, "Loonaangifte doen", "File payroll taxes", Loa.EH3, sso=True),
    DemoService(
        3,
        "Vergunning voor gevaarlijke stoffen",
        "Hazardous substances permit",
        Loa.EH4,
        sso=False,
        vestigingsnr=False,
    ),
)


@dataclass(frozen=True, slots=True)
class Network:
    """Where everything of one development network lives."""

    directory: Path
    urls: dict[str, str]
    rings: dict[str, KeyRing]
    services: tuple[DemoService, ...]

    @property
    def keys_dir(self) -> Path:
        return self.directory / "keys"

    def metadata_file(self, role: str) -> Path:
        return self.directory / "metadata" / f"{role}.xml"

    @property
    def catalogue_file(self) -> Path:
        return self.directory / "catalogue.xml"

    @property
    def ca_file(self) -> Path:
        return self.keys_dir / "ca.crt"

    def settings_file(self, server: str) -> Path:
        return self.directory / f"{server}.yaml"


def _org(name: str, url: str) -> Organisation:
    return Organisation(
        (LocalizedText("nl", name), LocalizedText("en", name)),
        (LocalizedText("nl", name), LocalizedText("en", name)),
        (LocalizedText("nl", url), LocalizedText("en", url)),
    )


def _contact(company: str) -> tuple[Contact, ...]:
    return (
        Contact(
            ContactType.ADMINISTRATIVE,
            company=company,
            emails=("mailto:beheer@example.nl",),
            phones=("+31 70 000 0000",),
        ),
    )


def _write_secret(path: Path) -> None:
    write_private_key_bytes(path, secrets.token_bytes(32))


def write_private_key_bytes(path: Path, data: bytes) -> None:
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data.hex().encode())
    finally:
        os.close(fd)


def build_network(
    directory: Path,
    *,
    urls: dict[str, str] | None = None,
    clock: Clock | None = None,
    state_url: str = "memory://",
    db_url: str | None = None,
    rings: dict[str, KeyRing] | None = None,
    ca: DevCa | None = None,
) -> Network:
    """Write keys, metadata, catalogue and settings for broker, means issuer and demo DV.

    :param urls: base URL per server (``broker``, ``idp``, ``dv``); defaults to the demo ports.
    :param rings: existing key rings per role (tests reuse session keys), issued by ``ca``;
        new ones otherwise.
    """
    if (rings is None) != (ca is None):
        raise ValueError("give both rings and the CA that issued them, or neither")
    clock = clock or SystemClock()
    ids = RandomIdSource()
    urls = urls or {name: f"http://127.0.0.1:{port}" for name, port in DEFAULT_PORTS.items()}
    directory.mkdir(parents=True, exist_ok=True)
    keys_dir = directory / "keys"
    keys_dir.mkdir(exist_ok=True)
    keys_dir.chmod(0o700)
    (directory / "metadata").mkdir(exist_ok=True)

    if ca is None:
        ca = new_ca(now=clock.now() - timedelta(days=1))
    write_private_key(keys_dir / "ca.key", ca.key)
    write_certificate(keys_dir / "ca.crt", ca.certificate)
    if rings is None:
        rings = {
            role: new_ring(ca, role, now=clock.now() - timedelta(days=1))
            for role in ("hm", "ad", "mr", "mr2", "dv")
        }
    # The eIDAS bridge and node simulator keys (docs/eidas.md), when not given.
    rings = eidas_net.with_eidas_rings(rings, ca, clock.now() - timedelta(days=1))
    for role, ring in rings.items():
        write_ring(keys_dir, role, ring)

    network = Network(directory, dict(urls), dict(rings), DEMO_SERVICES)
    valid_until = clock.now() + timedelta(days=365)
    common: dict[str, Any] = {"valid_until": valid_until}
    inputs: dict[str, AnyRoleInput] = {
        "hm": HmInput(
            entity_id=HM_ENTITY,
            base_url=urls["broker"],
            keys=rings["hm"],
            organisation=_org("Makelaar HM (demo)", urls["broker"]),
            contacts=_contact("Makelaar HM"),
            **common,
        ),
        "ad": AdInput(
            entity_id=AD_ENTITY,
            base_url=urls["idp"],
            keys=rings["ad"],
            organisation=_org("Makelaar Middelen (demo)", urls["idp"]),
            contacts=_contact("Makelaar Middelen"),
            **common,
        ),
        "mr": MrInput(
            entity_id=MR_ENTITY,
            base_url=urls["idp"],
            keys=rings["mr"],
            organisation=_org("Makelaar Machtigingen (demo)", urls["idp"]),
            contacts=_contact("Makelaar Middelen"),
            **common,
        ),
        "mr2": Mr2Input(
            entity_id=MR2_ENTITY,
            base_url=urls["idp"],
            keys=rings["mr2"],
            organisation=_org("Makelaar Ketenmachtigingen (demo)", urls["idp"]),
            contacts=_contact("Makelaar Middelen"),
            **common,
        ),
        "dv": DvInput(
            entity_id=DV_ENTITY,
            base_url=urls["dv"],
            keys=rings["dv"],
            organisation=_org("Gemeente Voorbeeldstad (demo)", urls["dv"]),
            contacts=_contact("Gemeente Voorbeeldstad"),
            oin=DV_OIN,
            services=tuple(
                DvService(
                    s.index,
                    (LocalizedText("nl", s.name_nl), LocalizedText("en", s.name_en)),
                    is_default=(s.index == 1),
                )
                for s in DEMO_SERVICES
            )
            + (eidas_net.dv_service(),),
            **common,
        ),
    }
    for role, inp in inputs.items():
        network.metadata_file(role).write_bytes(generate(inp, clock, ids))

    entries = []
    for s in DEMO_SERVICES:
        entries.append(
            build_dv_entry(
                DvServiceSpec(
                    oin=DV_OIN,
                    service_index=s.index,
                    organisation_names=(
                        LocalizedText("nl", "Gemeente Voorbeeldstad"),
                        LocalizedText("en", "Municipality of Exampletown"),
                    ),
                    service_names=(LocalizedText("nl", s.name_nl), LocalizedText("en", s.name_en)),
                    service_descriptions=(
                        LocalizedText("nl", s.name_nl),
                        LocalizedText("en", s.name_en),
                    ),
                    loa=s.loa,
                    ecta_sets=((cat.IdentifierType.KVKNR,), (cat.IdentifierType.RSIN,)),
                    service_certificate=rings["dv"].encryption.as_peer(),
                    herkenningsmakelaar_id=HM_OIN,
                    service_urls=(
                        LocalizedText("nl", urls["dv"] + "/"),
                        LocalizedText("en", urls["dv"] + "/"),
                    ),
                    privacy_policy_urls=(
                        LocalizedText("nl", urls["dv"] + "/privacy"),
                        LocalizedText("en", urls["dv"] + "/privacy"),
                    ),
                    description_urls=(
                        LocalizedText("nl", urls["dv"] + "/"),
                        LocalizedText("en", urls["dv"] + "/"),
                    ),
                    restrictions=(cat.ServiceRestriction.VESTIGINGSNR,) if s.vestigingsnr else (),
                    sso_support=s.sso,
                )
            )
        )
    entries += eidas_net.catalogue_entries(rings, urls["dv"])
    catalogue = catalogue_of(
        entries, version="urn:etoegang:1.13:service-catalogue:T:1", clock=clock, ids=ids
    )
    element = build_catalogue(catalogue)
    network.catalogue_file.write_bytes(
        md_build.to_bytes(sign_catalogue(element, rings["hm"].signing))
    )

    _write_settings(network, state_url=state_url, db_url=db_url)
    broker_extra = eidas_net.write_eidas(directory, urls=urls, rings=rings, clock=clock, ids=ids,
                                         ca_file=network.ca_file, keys_dir=keys_dir)
    broker_yaml = network.settings_file("broker")
    broker_yaml.write_text(broker_yaml.read_text() + yaml.safe_dump(broker_extra))
    return network


def _oidc_clients(network: Network) -> Path:
    """The demo DV registered as an OpenID Connect client, one client per service."""
    from broker.oidc.clients import demo_registrations
    from broker.oidc.clients import write_clients_file

    return write_clients_file(
        network.directory / "oidc-clients.yaml",
        demo_registrations(
            dv_url=network.urls["dv"],
            dv_entity_id=DV_ENTITY,
            service_ids=[s.service_id for s in network.services],
            signing_keys=network.rings["dv"].published_signing(),
        ),
    )


def _write_settings(network: Network, *, state_url: str, db_url: str | None) -> None:
    d = network.directory
    chain_refusing = [s.service_uuid for s in network.services if s.loa is Loa.EH2PLUS]
    (d / "chain.yaml").write_text(
        "# Services whose DV does not accept chain mandates (as RVO does for eH2+ services)\n"
        + yaml.safe_dump({"refuse_chains_for": chain_refusing, "minimum_level": "eH2"})
    )
    for server in ("broker", "idp", "dv", "pseudonym"):
        secret = d / f"{server}.secret"
        if not secret.exists():
            _write_secret(secret)
    peers = {role: str(network.metadata_file(role)) for role in ("hm", "ad", "mr", "mr2", "dv")}
    (d / "registry").mkdir(exist_ok=True)
    settings: dict[str, dict[str, Any]] = {
        "broker": {
            "entity_id": HM_ENTITY,
            "base_url": network.urls["broker"],
            "keys_dir": str(network.keys_dir),
            "key_role": "hm",
            # peers' metadata, plus the registry directory where `makelaar dv onboard` and
            # `makelaar ad add` drop the metadata of newly admitted peers
            "metadata": [peers["dv"], peers["ad"], peers["mr"], peers["mr2"], str(d / "registry")],
            "metadata_authorities": [str(network.ca_file)],
            "catalogue": str(network.catalogue_file),
            "catalogue_signer_metadata": peers["hm"],
            "state_url": state_url,
            "secret_key_file": str(d / "broker.secret"),
            "oidc_clients": str(_oidc_clients(network)),
        },
        "idp": {
            "base_url": network.urls["idp"],
            "ad_entity_id": AD_ENTITY,
            "mr_entity_id": MR_ENTITY,
            "mr2_entity_id": MR2_ENTITY,
            "keys_dir": str(network.keys_dir),
            "metadata": [peers["hm"]],
            "metadata_authorities": [str(network.ca_file)],
            "catalogue": str(network.catalogue_file),
            "catalogue_signer_metadata": peers["hm"],
            "db_url": db_url or f"sqlite:///{d / 'idp.sqlite'}",
            "state_url": state_url,
            "sms_outbox": str(d / "sms-outbox.jsonl"),
            "demo_mode": True,
            "secret_key_file": str(d / "idp.secret"),
            "chain_policy_file": str(d / "chain.yaml"),
            "pseudonym_secret_file": str(d / "pseudonym.secret"),
            "published_metadata_dir": str(d / "metadata"),
        },
        "dv": {
            "oidc_issuer": network.urls["broker"] + "/oidc",
            "entity_id": DV_ENTITY,
            "base_url": network.urls["dv"],
            "keys_dir": str(network.keys_dir),
            "key_role": "dv",
            "hm_metadata": peers["hm"],
            # the DV verifies the AD and MR assertions in Advice with their own keys
            "advice_metadata": [peers["ad"], peers["mr"], peers["mr2"]],
            "metadata_authorities": [str(network.ca_file)],
            "services": [
                {
                    "index": s.index,
                    "service_id": s.service_id,
                    "service_uuid": s.service_uuid,
                    "name_nl": s.name_nl,
                    "name_en": s.name_en,
                    "loa": s.loa.label,
                }
                for s in network.services
            ],
            "secret_key_file": str(d / "dv.secret"),
        },
    }
    for server, values in settings.items():
        network.settings_file(server).write_text(
            yaml.safe_dump(values, sort_keys=False, allow_unicode=True)
        )


def now_utc() -> datetime:
    return datetime.now(UTC)
