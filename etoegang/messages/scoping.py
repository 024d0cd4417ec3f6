"""samlp:Scoping: the IdPs a requester scopes an AuthnRequest to, and its proxy limits.

Spec: SAML core 3.4.1.2 (Scoping, IDPList, IDPEntry, GetComplete, RequesterID, ProxyCount);
``shared/spec/eherkenning.md`` §4.4 (DVs scope to an AD or to the EB EntityID) and §4.6
(HM -> AD). The public names are re-exported by :mod:`etoegang.messages.authn_request`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.common import Element
from etoegang.messages.common import check_sequence
from etoegang.messages.common import find_all
from etoegang.messages.common import opt_attr
from etoegang.messages.common import req_attr
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.messages.common import value_of
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname

SCOPING: Final = qname(SAMLP, "Scoping")
_IDP_LIST = qname(SAMLP, "IDPList")
_IDP_ENTRY = qname(SAMLP, "IDPEntry")
_GET_COMPLETE = qname(SAMLP, "GetComplete")
_REQUESTER_ID = qname(SAMLP, "RequesterID")


@dataclass(frozen=True, slots=True)
class IDPEntry:
    """One IdP the requester scopes to: for eHerkenning an AD or the EB EntityID (§4.4)."""

    provider_id: str
    name: str | None = None
    loc: str | None = None


@dataclass(frozen=True, slots=True)
class Scoping:
    """samlp:Scoping: the IdPs allowed to answer, who asked, and how often it may be proxied."""

    idp_entries: tuple[IDPEntry, ...] = ()
    requester_ids: tuple[str, ...] = ()
    proxy_count: int | None = None
    get_complete: str | None = None

    @property
    def provider_ids(self) -> tuple[str, ...]:
        return tuple(entry.provider_id for entry in self.idp_entries)


def build_scoping(parent: Element, scoping: Scoping) -> None:
    """samlp:Scoping under ``parent`` (an AuthnRequest), in schema order."""
    node = etree.SubElement(parent, SCOPING)
    if scoping.proxy_count is not None:
        node.set("ProxyCount", str(scoping.proxy_count))
    if scoping.idp_entries:
        idp_list = etree.SubElement(node, _IDP_LIST)
        for entry in scoping.idp_entries:
            item = etree.SubElement(idp_list, _IDP_ENTRY, ProviderID=entry.provider_id)
            set_opt(item, "Name", entry.name)
            set_opt(item, "Loc", entry.loc)
        if scoping.get_complete is not None:
            etree.SubElement(idp_list, _GET_COMPLETE).text = scoping.get_complete
    for requester in scoping.requester_ids:
        etree.SubElement(node, _REQUESTER_ID).text = requester


def parse_scoping(element: Element, where: str) -> Scoping:
    """Read a samlp:Scoping; ``where`` names the enclosing request in error texts."""
    where = f"{where}/Scoping"
    check_sequence(element, [slot(_IDP_LIST), slot(_REQUESTER_ID, max=None)], where)
    entries: list[IDPEntry] = []
    get_complete: str | None = None
    idp_list = element.find(_IDP_LIST)
    if idp_list is not None:
        lw = f"{where}/IDPList"
        check_sequence(idp_list, [slot(_IDP_ENTRY, min=1, max=None), slot(_GET_COMPLETE)], lw)
        for entry in find_all(idp_list, _IDP_ENTRY):
            entries.append(
                IDPEntry(
                    provider_id=req_attr(entry, "ProviderID", f"{lw}/IDPEntry"),
                    name=opt_attr(entry, "Name", f"{lw}/IDPEntry"),
                    loc=opt_attr(entry, "Loc", f"{lw}/IDPEntry"),
                )
            )
        complete = idp_list.find(_GET_COMPLETE)
        if complete is not None:
            get_complete = value_of(complete, f"{lw}/GetComplete")
    raw_count = opt_attr(element, "ProxyCount", where)
    if raw_count is not None and (not raw_count.isascii() or not raw_count.isdigit()):
        raise MessageMalformed(f"{where}/@ProxyCount must be a non-negative integer")
    return Scoping(
        idp_entries=tuple(entries),
        requester_ids=tuple(
            value_of(r, f"{where}/RequesterID") for r in find_all(element, _REQUESTER_ID)
        ),
        proxy_count=int(raw_count) if raw_count is not None else None,
        get_complete=get_complete,
    )
