"""AUC8: the signed list of means issuers (ADs) for one service (spec §9).

A DV may fetch, per ServiceUUID, the ADs that reach the service's level, sorted alphabetically
by OrganizationDisplayName, signed with the HM's signing certificate; the DV verifies it and
shows all of them in the same order. The response format is not published (spec §9
"UNCERTAIN"), so Makelaar defines its own small document (namespace ``urn:makelaar:auc8:1``)::

    <auc8:AuthenticationServiceList xmlns:auc8="urn:makelaar:auc8:1"
        ID="_..." IssueInstant="2026-11-01T12:00:00Z"
        ServiceUUID="..." ServiceID="urn:etoegang:DV:...:services:1"
        LevelOfAssurance="urn:etoegang:core:assurance-class:loa3">
      <saml:Issuer>urn:etoegang:HM:...</saml:Issuer>
      <ds:Signature>... (enveloped, exc-c14n, RSA-SHA256, KeyInfo X509Certificate)</ds:Signature>
      <auc8:AuthenticationService EntityID="urn:etoegang:AD:..." LevelOfAssurance="...loa4">
        <auc8:DisplayName xml:lang="nl">...</auc8:DisplayName>
        <auc8:DisplayName xml:lang="en">...</auc8:DisplayName>
      </auc8:AuthenticationService>
      ...
    </auc8:AuthenticationServiceList>

ECTA support per AD is not in the network metadata Makelaar reads, so the list filters by
level only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from broker.context import BrokerContext
from broker.outcomes import Document
from etoegang.clock import saml_instant
from etoegang.crypto.xmldsig import KeyInfoStyle
from etoegang.crypto.xmldsig import sign
from etoegang.errors import CatalogueError
from etoegang.xml.ns import SAML
from etoegang.xml.ns import XML
from etoegang.xml.ns import qname
from etoegang.xml.parser import serialize

AUC8_NS: Final = "urn:makelaar:auc8:1"


@dataclass(frozen=True, slots=True)
class Auc8:
    ctx: BrokerContext

    def build(self, service_uuid: str) -> etree._Element:
        """The signed list for one service.

        :raises CatalogueError: the ServiceUUID is not in the catalogue.
        """
        ctx = self.ctx
        service = ctx.network.service_by_uuid(service_uuid)
        root = etree.Element(
            qname(AUC8_NS, "AuthenticationServiceList"), nsmap={"auc8": AUC8_NS, "saml": SAML}
        )
        root.set("ID", ctx.ids.new_id())
        root.set("IssueInstant", saml_instant(ctx.clock.now()))
        root.set("ServiceUUID", service.service_uuid)
        root.set("ServiceID", service.service_id)
        root.set("LevelOfAssurance", service.loa.urn)
        etree.SubElement(root, qname(SAML, "Issuer")).text = ctx.entity_id
        for ad in ctx.network.admitted_ads(service.loa):
            item = etree.SubElement(root, qname(AUC8_NS, "AuthenticationService"))
            item.set("EntityID", ad.entity_id)
            item.set("LevelOfAssurance", ad.max_loa.urn)
            for lang, name in (("nl", ad.name_nl), ("en", ad.name_en)):
                display = etree.SubElement(item, qname(AUC8_NS, "DisplayName"))
                display.set(qname(XML, "lang"), lang)
                display.text = name
        # Signed like metadata (certificate in KeyInfo), so a DV can check it against the HM
        # certificate it already trusts.
        sign(root, ctx.keys.signing, key_info=KeyInfoStyle.X509)
        return root

    def document(self, service_uuid: str) -> Document:
        try:
            element = self.build(service_uuid)
        except CatalogueError:
            return Document(404, "text/plain; charset=utf-8", b"unknown service\n")
        return Document(200, "application/xml", serialize(element))
