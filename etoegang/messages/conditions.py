"""saml:Conditions: validity period, audience, one-time use and proxy restrictions.

Spec: SAML core 2.5 (Conditions; 2.5.1.1 a condition that is not understood makes the
assertion invalid; 2.5.1.4 AudienceRestriction; 2.5.1.5 OneTimeUse; 2.5.1.6
ProxyRestriction). Checking the values against the receiver and the clock is
:mod:`etoegang.messages.checks`' job. The public names are re-exported by
:mod:`etoegang.messages.common`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from lxml import etree

from etoegang.errors import MessageMalformed
from etoegang.messages.fields import Element
from etoegang.messages.fields import check_sequence
from etoegang.messages.fields import children
from etoegang.messages.fields import local
from etoegang.messages.fields import opt_attr
from etoegang.messages.fields import opt_instant
from etoegang.messages.fields import set_instant
from etoegang.messages.fields import slot
from etoegang.messages.fields import value_of
from etoegang.xml.ns import SAML
from etoegang.xml.ns import qname

CONDITIONS: Final = qname(SAML, "Conditions")
AUDIENCE: Final = qname(SAML, "Audience")
_AUDIENCE_RESTRICTION: Final = qname(SAML, "AudienceRestriction")
_ONE_TIME_USE: Final = qname(SAML, "OneTimeUse")
_PROXY_RESTRICTION: Final = qname(SAML, "ProxyRestriction")


@dataclass(frozen=True, slots=True)
class Conditions:
    """saml:Conditions (SAML core 2.5)."""

    not_before: datetime | None = None
    not_on_or_after: datetime | None = None
    #: One tuple per AudienceRestriction. Each restriction must name the receiver (SAML core
    #: 2.5.1.4: the restrictions are ANDed, the audiences inside one are ORed).
    audience_restrictions: tuple[tuple[str, ...], ...] = ()
    one_time_use: bool = False
    #: ProxyRestriction Count, when present (SAML core 2.5.1.6).
    proxy_count: int | None = None
    proxy_audiences: tuple[str, ...] = ()
    has_proxy_restriction: bool = False

    @property
    def audiences(self) -> tuple[str, ...]:
        """Every audience named in any restriction, in order."""
        return tuple(a for restriction in self.audience_restrictions for a in restriction)


def build_conditions(parent: Element, conditions: Conditions) -> Element:
    element = etree.SubElement(parent, CONDITIONS)
    set_instant(element, "NotBefore", conditions.not_before)
    set_instant(element, "NotOnOrAfter", conditions.not_on_or_after)
    for restriction in conditions.audience_restrictions:
        node = etree.SubElement(element, _AUDIENCE_RESTRICTION)
        for audience in restriction:
            etree.SubElement(node, AUDIENCE).text = audience
    if conditions.one_time_use:
        etree.SubElement(element, _ONE_TIME_USE)
    if conditions.has_proxy_restriction:
        proxy = etree.SubElement(element, _PROXY_RESTRICTION)
        if conditions.proxy_count is not None:
            proxy.set("Count", str(conditions.proxy_count))
        for audience in conditions.proxy_audiences:
            etree.SubElement(proxy, AUDIENCE).text = audience
    return element


def _audiences(element: Element, where: str) -> tuple[str, ...]:
    check_sequence(element, [slot(AUDIENCE, max=None)], where)
    return tuple(value_of(a, f"{where}/Audience") for a in children(element))


def parse_conditions(element: Element, where: str) -> Conditions:
    """Parse saml:Conditions; a condition we do not understand makes it invalid (SAML core
    2.5.1.1: "Indeterminate" must not be treated as valid), so it is refused."""
    where = f"{where}/Conditions"
    restrictions: list[tuple[str, ...]] = []
    one_time_use = False
    proxy: Element | None = None
    for child in children(element):
        if child.tag == _AUDIENCE_RESTRICTION:
            audiences = _audiences(child, f"{where}/AudienceRestriction")
            if not audiences:
                raise MessageMalformed(f"{where}/AudienceRestriction names no Audience")
            restrictions.append(audiences)
        elif child.tag == _ONE_TIME_USE and not one_time_use:
            one_time_use = True  # SAML core 2.5.1.5: at most one OneTimeUse
        elif child.tag == _PROXY_RESTRICTION and proxy is None:
            proxy = child
        else:
            raise MessageMalformed(f"{where} holds an unsupported or repeated {local(child)}")
    count: int | None = None
    if proxy is not None:
        raw = opt_attr(proxy, "Count", f"{where}/ProxyRestriction")
        if raw is not None:
            if not raw.isascii() or not raw.isdigit():
                raise MessageMalformed(f"{where}/ProxyRestriction/@Count must be a number")
            count = int(raw)
    return Conditions(
        not_before=opt_instant(element, "NotBefore", where),
        not_on_or_after=opt_instant(element, "NotOnOrAfter", where),
        audience_restrictions=tuple(restrictions),
        one_time_use=one_time_use,
        proxy_count=count,
        proxy_audiences=_audiences(proxy, f"{where}/ProxyRestriction") if proxy is not None else (),
        has_proxy_restriction=proxy is not None,
    )
