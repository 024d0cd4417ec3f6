"""saml:AuthnStatement: when, how strongly and by whom the user was authenticated.

Spec: SAML core 2.7.2 (AuthnStatement, SubjectLocality, AuthnContext); SAML profiles 4.1.4.2;
``shared/spec/eherkenning.md`` §2 (the LoA URN as AuthnContextClassRef), §4.5 and §4.6
(AuthenticatingAuthority: the AD's EntityID in an HM assertion, its OIN in an AD assertion).
AuthnContextDecl (a full declaration) is not used in eHerkenning and is not accepted. The
public names are re-exported by :mod:`etoegang.messages.assertion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.common import Element
from etoegang.messages.common import check_sequence
from etoegang.messages.common import find_all
from etoegang.messages.common import opt_attr
from etoegang.messages.common import opt_instant
from etoegang.messages.common import req_instant
from etoegang.messages.common import set_instant
from etoegang.messages.common import set_opt
from etoegang.messages.common import slot
from etoegang.messages.common import value_of
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname
from policies.loa import Loa

AUTHN_STATEMENT: Final = qname(SAML, "AuthnStatement")
_SUBJECT_LOCALITY = qname(SAML, "SubjectLocality")
_AUTHN_CONTEXT = qname(SAML, "AuthnContext")
_CLASS_REF = qname(SAML, "AuthnContextClassRef")
_DECL_REF = qname(SAML, "AuthnContextDeclRef")
_AUTHENTICATING_AUTHORITY = qname(SAML, "AuthenticatingAuthority")


@dataclass(frozen=True, slots=True)
class AuthnStatement:
    """saml:AuthnStatement: when, how strongly and by whom the user was authenticated."""

    authn_instant: datetime
    class_ref: str | None = None
    session_index: str | None = None
    session_not_on_or_after: datetime | None = None
    #: In an HM assertion the AD's EntityID; in an AD assertion the AD's OIN (§4.5, §4.6).
    authenticating_authorities: tuple[str, ...] = ()
    decl_ref: str | None = None
    locality_address: str | None = None
    locality_dns_name: str | None = None

    @property
    def loa(self) -> Loa | None:
        """The eHerkenning level the class ref names, or None for any other URI."""
        try:
            return Loa(self.class_ref) if self.class_ref is not None else None
        except ValueError:
            return None


def build_authn_statement(parent: Element, statement: AuthnStatement) -> None:
    """saml:AuthnStatement under ``parent`` (an Assertion), in schema order."""
    node = etree.SubElement(parent, AUTHN_STATEMENT)
    set_instant(node, "AuthnInstant", statement.authn_instant)
    set_opt(node, "SessionIndex", statement.session_index)
    set_instant(node, "SessionNotOnOrAfter", statement.session_not_on_or_after)
    if statement.locality_address is not None or statement.locality_dns_name is not None:
        locality = etree.SubElement(node, _SUBJECT_LOCALITY)
        set_opt(locality, "Address", statement.locality_address)
        set_opt(locality, "DNSName", statement.locality_dns_name)
    context = etree.SubElement(node, _AUTHN_CONTEXT)
    if statement.class_ref is not None:
        etree.SubElement(context, _CLASS_REF).text = statement.class_ref
    if statement.decl_ref is not None:
        etree.SubElement(context, _DECL_REF).text = statement.decl_ref
    for authority in statement.authenticating_authorities:
        etree.SubElement(context, _AUTHENTICATING_AUTHORITY).text = authority


def parse_authn_statement(element: Element, where: str) -> AuthnStatement:
    """Read a saml:AuthnStatement; ``where`` names the enclosing assertion in error texts."""
    where = f"{where}/AuthnStatement"
    check_sequence(element, [slot(_SUBJECT_LOCALITY), slot(_AUTHN_CONTEXT, min=1)], where)
    context = element.find(_AUTHN_CONTEXT)
    assert context is not None  # check_sequence required it
    ctx = f"{where}/AuthnContext"
    # AuthnContextDecl (a full declaration) is not used in eHerkenning and is not accepted.
    check_sequence(
        context,
        [slot(_CLASS_REF), slot(_DECL_REF), slot(_AUTHENTICATING_AUTHORITY, max=None)],
        ctx,
    )
    class_ref = context.find(_CLASS_REF)
    decl_ref = context.find(_DECL_REF)
    if class_ref is None and decl_ref is None:
        raise MessageMalformed(f"{ctx} lacks the required AuthnContextClassRef")
    locality = element.find(_SUBJECT_LOCALITY)
    loc = f"{where}/SubjectLocality"
    return AuthnStatement(
        authn_instant=req_instant(element, "AuthnInstant", where),
        class_ref=(
            value_of(class_ref, f"{ctx}/AuthnContextClassRef") if class_ref is not None else None
        ),
        session_index=opt_attr(element, "SessionIndex", where),
        session_not_on_or_after=opt_instant(element, "SessionNotOnOrAfter", where),
        authenticating_authorities=tuple(
            value_of(a, f"{ctx}/AuthenticatingAuthority")
            for a in find_all(context, _AUTHENTICATING_AUTHORITY)
        ),
        decl_ref=value_of(decl_ref, f"{ctx}/AuthnContextDeclRef") if decl_ref is not None else None,
        locality_address=opt_attr(locality, "Address", loc) if locality is not None else None,
        locality_dns_name=opt_attr(locality, "DNSName", loc) if locality is not None else None,
    )
