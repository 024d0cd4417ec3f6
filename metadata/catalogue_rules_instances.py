"""Catalogue lint rules on service instances: SC10 InstanceOfService, SC12 the service
certificate, SC18 no SSO at eH4, SC20 portals.

Spec: ``shared/spec/eherkenning.md`` §6 (instances and their definitions, ServiceCertificate:
the DV's RSA encryption certificate, one per instance), §3.3 (identifiers are encrypted for
it with RSA-OAEP), §2 (no SSO at eH4). Run by :func:`metadata.catalogue_lint.lint_catalogue`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import datetime

from cryptography import x509
from cryptography.x509.oid import PublicKeyAlgorithmOID
from lxml import etree

from etoegang.xml.ns import DS
from etoegang.xml.ns import MD
from etoegang.xml.ns import qname
from keys.ring import MIN_RSA_BITS
from metadata.catalogue_lint_model import CatalogueDoc
from metadata.catalogue_lint_model import Rule
from metadata.catalogue_lint_model import Violation
from metadata.catalogue_lint_model import line_of
from metadata.catalogue_lint_model import loa_of
from metadata.catalogue_lint_model import value_text
from metadata.catalogue_model import esc
from policies.loa import Loa

# --- instances --------------------------------------------------------------------------------


def instance_of(doc: CatalogueDoc) -> Iterator[Violation]:
    for instance in doc.instances:
        ref = instance.find(esc("InstanceOfService"))
        if ref is None:
            if instance.find(esc("IntermediatedService")) is None:
                yield Violation(Rule.INSTANCE_OF, "ServiceInstance names no InstanceOfService",
                                line_of(instance))
        elif doc.definition_for(instance) is None:
            yield Violation(Rule.INSTANCE_OF, f"InstanceOfService {value_text(ref)} names no "
                            "ServiceDefinition in this catalogue", line_of(ref))


def _certificate_problems(wrapper: etree._Element, now: datetime) -> Iterator[str]:
    descriptor = wrapper.find(qname(MD, "KeyDescriptor"))
    info = descriptor.find(qname(DS, "KeyInfo")) if descriptor is not None else None
    if descriptor is None or info is None:
        yield "ServiceCertificate needs md:KeyDescriptor/ds:KeyInfo"
        return
    if descriptor.get("use") not in (None, "encryption"):
        yield f"the KeyDescriptor use is {descriptor.get('use')!r}; it must be 'encryption'"
    if not [n for n in info.findall(qname(DS, "KeyName")) if value_text(n)]:
        yield "the KeyInfo has no ds:KeyName"
    texts = [value_text(c) for c in info.iterfind(f"{{{DS}}}X509Data/{{{DS}}}X509Certificate")]
    if len(texts) != 1:
        yield "the KeyInfo needs exactly one X509Certificate"
        return
    try:
        cert = x509.load_der_x509_certificate(base64.b64decode("".join(texts[0].split())))
    except (binascii.Error, ValueError):
        yield "X509Certificate is not a certificate"
        return
    if cert.public_key_algorithm_oid != PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5:
        yield "the service certificate must hold an RSA key (identifiers use RSA-OAEP)"
    elif (bits := getattr(cert.public_key(), "key_size", 0)) < MIN_RSA_BITS:
        yield f"RSA key of {bits} bits; at least {MIN_RSA_BITS}"
    if cert.not_valid_after_utc < now:
        yield f"the service certificate expired on {cert.not_valid_after_utc:%Y-%m-%d}"
    elif cert.not_valid_before_utc > now:
        yield f"the service certificate is valid only from {cert.not_valid_before_utc:%Y-%m-%d}"


def service_certificate(doc: CatalogueDoc) -> Iterator[Violation]:
    for instance in doc.instances:
        wrappers = instance.findall(esc("ServiceCertificate"))
        if not wrappers:
            yield Violation(Rule.SERVICE_CERTIFICATE, "ServiceInstance has no ServiceCertificate "
                            "(the DV encryption certificate)", line_of(instance))
        elif len(wrappers) > 1:
            yield Violation(Rule.SERVICE_CERTIFICATE, "more than one ServiceCertificate; list "
                            "only the one to encrypt for", line_of(wrappers[1]))
        for wrapper in wrappers[:1]:
            for problem in _certificate_problems(wrapper, doc.now):
                yield Violation(Rule.SERVICE_CERTIFICATE, problem, line_of(wrapper))


def sso_loa4(doc: CatalogueDoc) -> Iterator[Violation]:
    for instance in doc.instances:
        sso = instance.find(esc("SSOSupport"))
        if sso is not None and value_text(sso) in ("true", "1") and loa_of(
            doc.definition_for(instance)
        ) is Loa.EH4:
            yield Violation(Rule.SSO_LOA4, "SSO is never allowed for services at eH4",
                            line_of(sso))


def portal(doc: CatalogueDoc) -> Iterator[Violation]:
    for instance in doc.instances:
        portal_for = instance.find(esc("PortalForService"))
        if portal_for is not None and instance.get(esc("IsPortal")) not in ("true", "1"):
            yield Violation(Rule.PORTAL, "PortalForService needs IsPortal=\"true\"",
                            line_of(portal_for))
