"""samlp:RequestedAuthnContext: the authentication context a requester asks for.

Spec: SAML core 3.3.2.2.1 (RequestedAuthnContext, Comparison; class refs or decl refs, not
both); ``shared/spec/eherkenning.md`` §2 (the LoA URNs as AuthnContextClassRef) and §4.4
(real DVs often send none). The public names are re-exported by
:mod:`etoegang.messages.authn_request`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.common import Element
from etoegang.messages.common import children
from etoegang.messages.common import find_all
from etoegang.messages.common import opt_attr
from etoegang.messages.common import value_of
from etoegang.xml.ns import SAML
from etoegang.xml.ns import SAMLP
from etoegang.xml.ns import qname
from policies.loa import Loa

REQUESTED_AUTHN_CONTEXT: Final = qname(SAMLP, "RequestedAuthnContext")
_CLASS_REF = qname(SAML, "AuthnContextClassRef")
_DECL_REF = qname(SAML, "AuthnContextDeclRef")


class AuthnContextComparison(Enum):
    """RequestedAuthnContext/@Comparison (SAML core 3.3.2.2.1); absent means exact."""

    EXACT = "exact"
    MINIMUM = "minimum"
    MAXIMUM = "maximum"
    BETTER = "better"

    @classmethod
    def _missing_(cls, value: object) -> AuthnContextComparison:
        raise ValueError(f"not a SAML authn context comparison: {value!r}")


@dataclass(frozen=True, slots=True)
class RequestedAuthnContext:
    """The requested authentication context; eHerkenning uses the LoA URNs as class refs."""

    class_refs: tuple[str, ...] = ()
    comparison: AuthnContextComparison = AuthnContextComparison.EXACT
    decl_refs: tuple[str, ...] = ()

    @property
    def loas(self) -> tuple[Loa, ...]:
        """The class refs that are eHerkenning levels, in request order."""
        found: list[Loa] = []
        for ref in self.class_refs:
            try:
                found.append(Loa(ref))
            except ValueError:
                continue
        return tuple(found)

    @property
    def unknown_class_refs(self) -> tuple[str, ...]:
        """The class refs that are not eHerkenning levels (eIDAS URIs, vendor values)."""
        known = {loa.urn for loa in self.loas}
        return tuple(ref for ref in self.class_refs if ref not in known)


def build_requested_authn_context(parent: Element, context: RequestedAuthnContext) -> Element:
    """samlp:RequestedAuthnContext under ``parent``, with its Comparison always written."""
    ctx = etree.SubElement(parent, REQUESTED_AUTHN_CONTEXT, Comparison=context.comparison.value)
    for ref in context.class_refs:
        etree.SubElement(ctx, _CLASS_REF).text = ref
    for ref in context.decl_refs:
        etree.SubElement(ctx, _DECL_REF).text = ref
    return ctx


def parse_requested_authn_context(element: Element, where: str) -> RequestedAuthnContext:
    """Read a samlp:RequestedAuthnContext; an absent Comparison means exact."""
    where = f"{where}/RequestedAuthnContext"
    raw = opt_attr(element, "Comparison", where)
    try:
        comparison = AuthnContextComparison(raw or "exact")
    except ValueError as exc:
        raise MessageMalformed(
            f"{where}/@Comparison must be exact, minimum, maximum or better", debug=str(raw)[:32]
        ) from exc
    class_refs = [
        value_of(c, f"{where}/AuthnContextClassRef") for c in find_all(element, _CLASS_REF)
    ]
    decl_refs = [
        value_of(c, f"{where}/AuthnContextDeclRef") for c in find_all(element, _DECL_REF)
    ]
    # SAML core 3.3.2.2.1: one or more class refs, or one or more decl refs, not both.
    if bool(class_refs) == bool(decl_refs) or len(children(element)) != len(class_refs) + len(
        decl_refs
    ):
        raise MessageMalformed(
            f"{where} must hold AuthnContextClassRef elements or AuthnContextDeclRef elements"
        )
    return RequestedAuthnContext(tuple(class_refs), comparison, tuple(decl_refs))
