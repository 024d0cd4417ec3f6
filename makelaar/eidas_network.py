"""The eIDAS part of the development network (issue 7, docs/eidas.md): keys, signed eIDAS
metadata for the broker's connector and proxy service and for the node simulator's proxy
service and connector, the catalogue entries (an ``eIDAS-inbound`` service of the demo DV and
the broker's own proxy service for outbound logins) and the settings files ``eidas.yaml``
(broker) and ``eidas_node.yaml`` (simulator). Called from :func:`makelaar.network.build_network`.
"""

from __future__ import annotations

import base64
from datetime import datetime
from datetime import timedelta
from pathlib import Path
from typing import Any
from typing import Final

import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import IdSource
from etoegang.clock import saml_instant
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import SignatureMethod
from etoegang.crypto.xmldsig import sign
from etoegang.xml.ns import DS
from etoegang.xml.ns import EIDAS
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from keys.devpki import DevCa
from keys.devpki import issue
from keys.devpki import issue_ec
from keys.devpki import new_ring
from keys.ring import KeyRing
from metadata import build as md_build
from metadata import catalogue as cat
from metadata.catalogue import CatalogueRequestedAttribute
from metadata.catalogue_build import DvServiceSpec
from metadata.catalogue_build import build_dv_entry
from metadata.catalogue_model import ServiceProvider
from metadata.identifiers import service_id
from metadata.inputs import DvService
from metadata.model import LocalizedText
from policies.loa import Loa

HM_OIN: Final = "00000099000000000001"
DV_OIN: Final = "00000099000000000003"
EB_ENTITY: Final = f"urn:etoegang:EB:{HM_OIN}:entities:9001"
#: The broker's own "DV" for outbound logins (its proxy service is the DV of that login).
PROXY_DV_ENTITY: Final = f"urn:etoegang:DV:{HM_OIN}:entities:9101"
PROXY_SERVICE_ID: Final = service_id(HM_OIN, 1)
EIDAS_SERVICE_INDEX: Final = 9  # apart from the eHerkenning services (tests add 4 and 5)
EIDAS_SERVICE_ID: Final = service_id(DV_OIN, EIDAS_SERVICE_INDEX)
DEFAULT_NODE_URL: Final = "http://127.0.0.1:8804"
NODE_COUNTRY: Final = "DE"
_POST: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
_PROTOCOL: Final = "urn:oasis:names:tc:SAML:2.0:protocol"


def urls_of(broker: str, node: str) -> dict[str, str]:
    b, n = broker.rstrip("/") + "/broker/eidas", node.rstrip("/") + "/eidas-node"
    return {
        "connector": f"{b}/connector/metadata", "connector_acs": f"{b}/acs",
        "proxy": f"{b}/proxy/metadata", "proxy_sso": f"{b}/proxy/sso",
        "node_proxy": f"{n}/proxy/metadata", "node_sso": f"{n}/proxy/sso",
        "node_connector": f"{n}/connector/metadata", "node_acs": f"{n}/connector/acs",
    }


def node_ring(ca: DevCa, now: datetime) -> KeyRing:
    """The simulator's keys: an EC (ECDSA) and an RSA (RSASSA-PSS) signing key, both published,
    and an RSA encryption key (assertions are encrypted with RSA-OAEP key transport)."""
    return KeyRing(
        signing=issue_ec(ca, "eIDAS node simulator TEST signing (EC)", now=now),
        encryption=issue(ca, "eIDAS node simulator TEST encryption", usage="encryption", now=now),
        signing_next=issue(ca, "eIDAS node simulator TEST signing (RSA)", usage="signing",
                           now=now),
    )


def with_eidas_rings(rings: dict[str, KeyRing], ca: DevCa, now: datetime) -> dict[str, KeyRing]:
    out = dict(rings)
    if "eb" not in out:
        out["eb"] = new_ring(ca, "eb", now=now)
    if "eidas-node" not in out:
        out["eidas-node"] = node_ring(ca, now)
    return out


def dv_service() -> DvService:
    return DvService(EIDAS_SERVICE_INDEX, (LocalizedText("nl", "Vergunning aanvragen (eIDAS)"),
                                           LocalizedText("en", "Apply for a permit (eIDAS)")))


def _purpose(text: str) -> tuple[LocalizedText, ...]:
    return (LocalizedText("nl", text), LocalizedText("en", text))


def catalogue_entries(rings: dict[str, KeyRing], dv_url: str) -> list[ServiceProvider]:
    def attribute(name: str) -> CatalogueRequestedAttribute:
        return CatalogueRequestedAttribute(name, True, _purpose("Identification"))

    names = (LocalizedText("nl", "Vergunning aanvragen (eIDAS)"),
             LocalizedText("en", "Apply for a permit (eIDAS)"))
    inbound = build_dv_entry(DvServiceSpec(
        oin=DV_OIN, service_index=EIDAS_SERVICE_INDEX,
        organisation_names=(LocalizedText("nl", "Gemeente Voorbeeldstad"),
                            LocalizedText("en", "Municipality of Exampletown")),
        service_names=names, service_descriptions=names, loa=Loa.EH3,
        ecta_sets=((cat.IdentifierType.PSEUDO,), (cat.IdentifierType.EIDAS_LEGAL_IDENTIFIER,)),
        service_certificate=rings["dv"].encryption.as_peer(), herkenningsmakelaar_id=HM_OIN,
        service_urls=(LocalizedText("nl", dv_url + "/"), LocalizedText("en", dv_url + "/")),
        requested_attributes=tuple(attribute(n) for n in (
            "urn:etoegang:1.9:attribute:FirstName", "urn:etoegang:1.9:attribute:FamilyName",
            "urn:etoegang:1.9:attribute:DateOfBirth", "urn:etoegang:1.11:attribute:BirthName",
            "urn:etoegang:1.11:attribute-represented:CompanyName")),
        classifiers=("eIDAS-inbound",),
    ))
    proxy_names = (LocalizedText("nl", "Inloggen bij een dienst in een ander EU-land (eIDAS)"),
                   LocalizedText("en", "Log in to a service in another EU country (eIDAS)"))
    proxy = build_dv_entry(DvServiceSpec(
        oin=HM_OIN, service_index=1,
        organisation_names=(LocalizedText("nl", "Makelaar eIDAS proxy service"),
                            LocalizedText("en", "Makelaar eIDAS proxy service")),
        service_names=proxy_names, service_descriptions=proxy_names, loa=Loa.EH4,
        ecta_sets=((cat.IdentifierType.KVKNR,),),
        service_certificate=rings["eb"].encryption.as_peer(), herkenningsmakelaar_id=HM_OIN,
        requested_attributes=(CatalogueRequestedAttribute(
            "urn:etoegang:1.11:attribute-represented:CompanyName", False,
            _purpose("LegalName for the foreign service")),),
    ))
    return [inbound, proxy]


def _key_descriptors(parent: etree._Element, ring: KeyRing) -> None:
    for use, pairs in (("signing", ring.published_signing()),
                       ("encryption", ring.published_encryption())):
        for pair in pairs:
            descriptor = etree.SubElement(parent, qname(MD, "KeyDescriptor"), use=use)
            info = etree.SubElement(descriptor, qname(DS, "KeyInfo"))
            etree.SubElement(info, qname(DS, "KeyName")).text = pair.key_name
            data = etree.SubElement(info, qname(DS, "X509Data"))
            etree.SubElement(data, qname(DS, "X509Certificate")).text = base64.b64encode(
                pair.as_peer().der).decode("ascii")


def eidas_metadata(entity_id: str, *, ring: KeyRing, valid_until: datetime, ids: IdSource,
                   sso: str | None = None, acs: str | None = None) -> bytes:
    """Signed eIDAS metadata of one proxy service (``sso``) or connector (``acs``), §8.2."""
    root = etree.Element(qname(MD, "EntityDescriptor"), nsmap={"md": MD, "ds": DS,
                                                                "eidas": EIDAS})
    root.set("ID", ids.new_id())
    root.set("entityID", entity_id)
    root.set("validUntil", saml_instant(valid_until))
    if acs is not None:
        extensions = etree.SubElement(root, qname(MD, "Extensions"))
        etree.SubElement(extensions, qname(EIDAS, "SPType")).text = "public"
        role = etree.SubElement(root, qname(MD, "SPSSODescriptor"), AuthnRequestsSigned="true",
                                WantAssertionsSigned="true", protocolSupportEnumeration=_PROTOCOL)
        _key_descriptors(role, ring)
        etree.SubElement(role, qname(MD, "AssertionConsumerService"), Binding=_POST,
                         Location=acs, index="0", isDefault="true")
    else:
        assert sso is not None
        role = etree.SubElement(root, qname(MD, "IDPSSODescriptor"),
                                WantAuthnRequestsSigned="true",
                                protocolSupportEnumeration=_PROTOCOL)
        _key_descriptors(role, ring)
        etree.SubElement(role, qname(MD, "SingleSignOnService"), Binding=_POST, Location=sso)
    etree.indent(root, space="  ")
    is_ec = isinstance(ring.signing.private_key, ec.EllipticCurvePrivateKey)
    sign(root, ring.signing, key_info=KeyInfoStyle.X509,
         method=SignatureMethod.ECDSA_SHA256 if is_ec else SignatureMethod.RSA_PSS_SHA256)
    return md_build.to_bytes(root)


def write_eidas(directory: Path, *, urls: dict[str, str], rings: dict[str, KeyRing],
                clock: Clock, ids: IdSource, ca_file: Path, keys_dir: Path) -> dict[str, Any]:
    """Write the eIDAS metadata and settings; returns the broker.yaml addition."""
    node_url = urls.get("eidas-node", DEFAULT_NODE_URL)
    u = urls_of(urls["broker"], node_url)
    until = clock.now() + timedelta(days=365)
    md = directory / "metadata"
    files = {
        "eidas-connector": eidas_metadata(u["connector"], ring=rings["eb"], valid_until=until,
                                          ids=ids, acs=u["connector_acs"]),
        "eidas-proxy": eidas_metadata(u["proxy"], ring=rings["eb"], valid_until=until, ids=ids,
                                      sso=u["proxy_sso"]),
        "eidas-node-proxy": eidas_metadata(u["node_proxy"], ring=rings["eidas-node"],
                                           valid_until=until, ids=ids, sso=u["node_sso"]),
        "eidas-node-connector": eidas_metadata(u["node_connector"], ring=rings["eidas-node"],
                                               valid_until=until, ids=ids, acs=u["node_acs"]),
    }
    for name, data in files.items():
        (md / f"{name}.xml").write_bytes(data)
    secret = directory / "eidas-pseudonym.secret"
    node_secret = directory / "eidas-node.secret"
    for path in (secret, node_secret):
        if not path.exists():
            import secrets

            from makelaar.network import write_private_key_bytes

            write_private_key_bytes(path, secrets.token_bytes(32))
    broker = {
        "eb_entity_id": EB_ENTITY,
        "connector_entity_id": u["connector"],
        "proxy_entity_id": u["proxy"],
        "keys_dir": str(keys_dir),
        "key_role": "eb",
        "metadata_authorities": [str(ca_file)],
        "node_entity_id": u["node_proxy"],
        "node_metadata": [str(md / "eidas-node-proxy.xml")],
        "connector_metadata": [str(md / "eidas-node-connector.xml")],
        "connector_countries": {u["node_connector"]: NODE_COUNTRY},
        "own_connector_metadata": str(md / "eidas-connector.xml"),
        "own_proxy_metadata": str(md / "eidas-proxy.xml"),
        "pseudonym_secret_file": str(secret),
        "proxy_service_id": PROXY_SERVICE_ID,
        "proxy_dv_entity_id": PROXY_DV_ENTITY,
    }
    node = {
        "base_url": node_url,
        "keys_dir": str(keys_dir),
        "key_role": "eidas-node",
        "metadata_authorities": [str(ca_file)],
        "proxy_entity_id": u["node_proxy"],
        "connector_entity_id": u["node_connector"],
        "broker_connector_metadata": str(md / "eidas-connector.xml"),
        "broker_proxy_metadata": str(md / "eidas-proxy.xml"),
        "own_proxy_metadata": str(md / "eidas-node-proxy.xml"),
        "own_connector_metadata": str(md / "eidas-node-connector.xml"),
        "secret_key_file": str(node_secret),
        "signing": "ecdsa",
    }
    (directory / "eidas.yaml").write_text(yaml.safe_dump(broker, sort_keys=False))
    (directory / "eidas-node.yaml").write_text(yaml.safe_dump(node, sort_keys=False))
    return {"eidas": str(directory / "eidas.yaml")}
