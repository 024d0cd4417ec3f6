"""The level a login must reach and whether broker SSO may be used (spec §2, §9).

Spec §2: the catalogue's AuthnContextClassRef is the level the service needs; a DV's
RequestedAuthnContext is a *downward* override that "must be <= the catalogue value". Rule
implemented here (documented choice, the Comparison rule of the DV-HM table is unreadable,
§12): among the requested class refs that are eHerkenning levels at or below the catalogue
level, the lowest one is the required level; ``Comparison`` is read as ``minimum`` whatever it
says. A request whose every level lies above the catalogue, or that names no eHerkenning level
at all, is refused with Requester/RequestUnsupported (``LOA_UNSUPPORTED``); so is a result of
eH1 (discontinued 1 July 2021).
"""

from __future__ import annotations

from broker.errors import BrokerError
from broker.errors import ErrorKind
from etoegang.messages.authn_request import RequestedAuthnContext
from policies.loa import Loa


def required_loa(catalogue: Loa, requested: RequestedAuthnContext | None) -> Loa:
    """The level this login must reach.

    :raises BrokerError: ``LOA_UNSUPPORTED`` for a level above the catalogue, no eHerkenning
        level at all, or eH1.
    """
    level = catalogue
    if requested is not None:
        levels = requested.loas
        if not levels:
            raise BrokerError(
                ErrorKind.LOA_UNSUPPORTED,
                debug="RequestedAuthnContext names no eHerkenning level",
            )
        allowed = [loa for loa in levels if loa <= catalogue]
        if not allowed:
            raise BrokerError(
                ErrorKind.LOA_UNSUPPORTED,
                "The requested level of assurance is above the level in the service catalogue.",
                debug=f"requested {[loa.label for loa in levels]}, catalogue {catalogue.label}",
            )
        level = min(allowed)
    if level is Loa.EH1:
        raise BrokerError(ErrorKind.LOA_UNSUPPORTED, "eH1 is no longer supported.")
    return level


def sso_allowed(service_sso_support: bool, required: Loa, force_authn: bool) -> bool:
    """Whether a broker SSO session may serve this request (spec §9: never at eH4; never with
    ForceAuthn; only for services whose catalogue entry declares SSO support)."""
    return service_sso_support and required is not Loa.EH4 and not force_authn


def achieved_loa(ad_loa: Loa, mr_used: Loa) -> Loa:
    """The level the HM asserts: the mandate's level, bounded by the means' level."""
    return min(ad_loa, mr_used)
