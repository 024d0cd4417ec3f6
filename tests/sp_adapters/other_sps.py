"""Service providers built on other SAML libraries, configured for eHerkenning, for interop
tests (issue 4: "two service providers built on other libraries ... registered with makelaar dv
onboard complete a login through the broker").

Both libraries' own metadata generators emit what brokers refuse (NameIDFormat, no KeyName, no
ServiceID RequestedAttribute: spec §10 item 1), so their metadata and catalogue entries are made
with the adapter's generators (:mod:`sp_adapters.eherkenning.dv_metadata`) from the same keys:
what a DV on those libraries would do. The python3-saml SP cannot resolve artifacts, so its
metadata adds an HTTP-POST AssertionConsumerService (index 2) for the broker to answer by POST;
the Artifact ACS (index 1) stays, as the lint requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from etoegang.clock import Clock
from etoegang.clock import RandomIdSource
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from keys.ring import KeyRing
from makelaar.network import HM_ENTITY
from makelaar.network import HM_OIN
from makelaar.network import Network
from metadata import build as md_build
from metadata.build import build_dv
from metadata.build import sign_metadata
from policies.loa import Loa
from sp_adapters.eherkenning import dv_catalogue_entry
from sp_adapters.eherkenning.dv_metadata import dv_input
from sp_adapters.settings import DvSettings
from sp_adapters.settings import ServiceSetting

#: The broker's DV-facing SSO endpoint, under its base URL (notes/wave2 URL layout).
SSO_PATH = "/broker/sso/1.13"
POST_BINDING = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


@dataclass(frozen=True, slots=True)
class OtherSp:
    name: str
    settings: DvSettings
    ring: KeyRing
    metadata: Path
    catalogue: Path
    cert_file: Path
    key_file: Path
    #: The key pair of the catalogue ServiceCertificate: MRs encrypt identifiers for it.
    enc_cert_file: Path | None = None
    enc_key_file: Path | None = None

    @property
    def acs_artifact(self) -> str:
        return f"{self.settings.base_url}/saml/acs"

    @property
    def acs_post(self) -> str:
        return f"{self.settings.base_url}/saml/acs-post"


def make_other_sp(
    name: str, oin: str, port: int, ring: KeyRing, network: Network, directory: Path,
    clock: Clock, *, post_acs: bool,
) -> OtherSp:
    directory.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    settings = DvSettings(
        entity_id=f"urn:etoegang:DV:{oin}:entities:9001",
        base_url=base,
        keys_dir=directory,
        key_role="dv",
        hm_metadata=network.metadata_file("hm"),
        metadata_authorities=(network.ca_file,),
        services=(ServiceSetting(1, f"urn:etoegang:DV:{oin}:services:1",
                                 f"5e2a3c1d-0000-4000-8000-{oin[-12:]}", f"{name} dienst",
                                 f"{name} service", Loa.EH3),),
        secret_key_file=directory / "secret",
        organisation_nl=f"{name} B.V.",
        organisation_en=f"{name} Ltd",
    )
    element = build_dv(dv_input(settings, ring, valid_for=timedelta(days=28)), clock,
                       RandomIdSource())
    if post_acs:
        sp = element.find(qname(MD, "SPSSODescriptor"))
        assert sp is not None
        artifact_acs = sp.find(qname(MD, "AssertionConsumerService"))
        assert artifact_acs is not None
        post = etree.Element(qname(MD, "AssertionConsumerService"), Binding=POST_BINDING,
                             Location=f"{base}/saml/acs-post", index="2", isDefault="false")
        artifact_acs.addnext(post)
    etree.indent(element, space="  ")
    metadata = directory / "metadata.xml"
    metadata.write_bytes(md_build.to_bytes(sign_metadata(element, ring.signing)))
    catalogue = directory / "catalogue.xml"
    catalogue.write_bytes(
        dv_catalogue_entry(settings, ring, clock, RandomIdSource(), hm_oin=HM_OIN,
                           vestigingsnr=False)
    )
    cert_file = directory / "sp.crt"
    cert_file.write_bytes(ring.signing.certificate.public_bytes(Encoding.PEM))
    key_file = directory / "sp.key"
    key_file.write_bytes(ring.signing.private_pem())
    key_file.chmod(0o600)
    enc_cert_file = directory / "sp-enc.crt"
    enc_cert_file.write_bytes(ring.encryption.certificate.public_bytes(Encoding.PEM))
    enc_key_file = directory / "sp-enc.key"
    enc_key_file.write_bytes(ring.encryption.private_pem())
    enc_key_file.chmod(0o600)
    return OtherSp(name, settings, ring, metadata, catalogue, cert_file, key_file,
                   enc_cert_file, enc_key_file)


def pysaml2_config(sp: OtherSp, network: Network, xmlsec1: Path) -> dict[str, Any]:
    """pysaml2 SP settings: signed AuthnRequests (RSA-SHA256), Artifact ACS, the HM metadata,
    and the service certificate's key pair for decrypting EncryptedIDs (``encryption_keypairs``)."""
    from saml2 import BINDING_HTTP_ARTIFACT
    from saml2 import BINDING_SOAP
    from saml2.xmldsig import DIGEST_SHA256
    from saml2.xmldsig import SIG_RSA_SHA256

    return {
        "entityid": sp.settings.entity_id,
        "xmlsec_binary": str(xmlsec1),
        "key_file": str(sp.key_file),
        "cert_file": str(sp.cert_file),
        "metadata": {"local": [str(network.metadata_file("hm"))]},
        "allow_unknown_attributes": True,
        "encryption_keypairs": [
            {"key_file": str(sp.enc_key_file), "cert_file": str(sp.enc_cert_file)}
        ] if sp.enc_key_file is not None else [],
        "service": {
            "sp": {
                "endpoints": {
                    "assertion_consumer_service": [(sp.acs_artifact, BINDING_HTTP_ARTIFACT)],
                    "artifact_resolution_service": [(f"{sp.settings.base_url}/saml/ars",
                                                     BINDING_SOAP)],
                },
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "signing_algorithm": SIG_RSA_SHA256,
                "digest_algorithm": DIGEST_SHA256,
            }
        },
    }


def python3_saml_settings(
    sp: OtherSp, network: Network, hm_cert_pem: str, *, broker_url: str | None = None
) -> dict[str, Any]:
    """python3-saml SP settings: signed AuthnRequests, the POST ACS (no artifact support).

    ``broker_url`` is the broker's base URL (default: the network's broker URL). As
    django-digid-eherkenning does, no RequestedAuthnContext is sent: the catalogue sets the
    level (spec §2), and python3-saml's default (PasswordProtectedTransport) is no eHerkenning
    level.
    """
    broker = (broker_url or network.urls["broker"]).rstrip("/")
    return {
        "strict": True,
        "sp": {
            "entityId": sp.settings.entity_id,
            "assertionConsumerService": {"url": sp.acs_post, "binding": POST_BINDING},
            "attributeConsumingService": {
                "serviceName": sp.settings.services[0].name_nl,
                "requestedAttributes": [
                    {"name": sp.settings.services[0].service_id, "isRequired": True}
                ],
            },
            "x509cert": sp.cert_file.read_text(),
            "privateKey": sp.key_file.read_text(),
        },
        "idp": {
            "entityId": HM_ENTITY,
            "singleSignOnService": {
                "url": broker + SSO_PATH,
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            },
            "x509cert": hm_cert_pem,
        },
        "security": {
            "authnRequestsSigned": True,
            "wantAssertionsSigned": True,
            "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
            "requestedAuthnContext": False,
            "rejectDeprecatedAlgorithm": True,
        },
    }
