"""ID token and userinfo claims, and the level a request asks for (spec §2, §3; docs/oidc.md).

Claim names are the etoegang attribute URNs of spec §3.1 (collision-resistant names, OIDC Core
§5.1.2), so a DV that knows the SAML face recognises them. Identifiers the MR encrypted for the
DV (LegalSubjectID, ActingSubjectID, an encrypted intermediary KvK number) are delivered as
they came, **still encrypted** for the DV's catalogue ServiceCertificate (spec §3.3
end-to-end: the HM never decrypts identifiers meant for the DV); the client decrypts them with
the same key it uses on the SAML face. ``sub`` is the acting person's specific pseudonym for
this DV, which the MR states in clear in its signed decision (``ActingEntityID``, spec §3.1).

Levels: ``acr`` values are the eH level URNs (:class:`policies.loa.Loa`). The catalogue level
is the floor a login must reach; a request may lower it, never raise it (spec §2: "must be <=
the catalogue value"). An *essential* ``acr`` (``claims`` parameter) that the catalogue level
cannot meet is refused with ``unmet_authentication_requirements``; voluntary ``acr_values``
above it are ignored (OIDC Core §5.5.1.1: voluntary claims are best effort).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from typing import Final

from lxml import etree

from broker.errors import BrokerError
from broker.errors import ErrorKind
from broker.faces import LoginFacts
from etoegang.messages.artifact import copy_unchanged
from policies.loa import Loa

SERVICE_ID: Final = "urn:etoegang:core:ServiceID"
SERVICE_UUID: Final = "urn:etoegang:core:ServiceUUID"
LEGAL_SUBJECT_ID: Final = "urn:etoegang:core:LegalSubjectID"
ACTING_SUBJECT_ID: Final = "urn:etoegang:core:ActingSubjectID"
VESTIGINGSNR: Final = "urn:etoegang:1.9:ServiceRestriction:Vestigingsnr"
INTERMEDIATE_KVK: Final = "urn:etoegang:1.9:IntermediateEntityID:KvKnr"
INTERMEDIATE_NAME: Final = "urn:etoegang:1.13:attribute-intermediate:CompanyName"
AUTHENTICATING_AUTHORITY: Final = "urn:etoegang:core:AuthenticatingAuthority"
#: The member of an identifier claim that holds the EncryptedID (base64 of its XML).
ENCRYPTED_ID: Final = "saml_encrypted_id"

#: Every claim this provider may deliver (discovery ``claims_supported``).
SUPPORTED: Final = (
    "sub",
    "acr",
    "auth_time",
    "sid",
    SERVICE_ID,
    SERVICE_UUID,
    LEGAL_SUBJECT_ID,
    ACTING_SUBJECT_ID,
    VESTIGINGSNR,
    INTERMEDIATE_KVK,
    INTERMEDIATE_NAME,
    AUTHENTICATING_AUTHORITY,
)


@dataclass(frozen=True, slots=True)
class LevelRequest:
    """What a request asks for: the level the login must reach, and the ``acr`` values an
    essential request accepts (empty when acr was not essential)."""

    required: Loa
    essential: tuple[Loa, ...] = ()


def _levels(values: Any) -> list[Loa]:
    found: list[Loa] = []
    for value in values if isinstance(values, list) else []:
        try:
            found.append(Loa(value))
        except ValueError:
            continue  # not an eH level: OIDC lets the OP ignore values it does not know
    return found


def _essential_acr(claims_param: str | None) -> list[Any] | None:
    """The values of an essential ``acr`` in the ``claims`` parameter (OIDC Core §5.5.1.1)."""
    if not claims_param:
        return None
    try:
        claims = json.loads(claims_param)
    except ValueError as exc:
        raise BrokerError(ErrorKind.REQUEST_INVALID, "The claims parameter is not JSON.") from exc
    if not isinstance(claims, dict):
        raise BrokerError(ErrorKind.REQUEST_INVALID, "The claims parameter is not an object.")
    for member in ("id_token", "userinfo"):
        part = claims.get(member)
        acr = part.get("acr") if isinstance(part, dict) else None
        if isinstance(acr, dict) and acr.get("essential") is True:
            if "value" in acr:
                return [acr["value"]]
            values = acr.get("values")
            return values if isinstance(values, list) else []
    return None


def level_request(
    catalogue: Loa, acr_values: str | None, claims_param: str | None
) -> LevelRequest:
    """The level this login must reach (module docstring).

    :raises BrokerError: ``LOA_UNSUPPORTED`` (-> ``unmet_authentication_requirements``) for an
        essential acr the catalogue level cannot meet, or when the result would be eH1;
        ``REQUEST_INVALID`` for a malformed ``claims`` parameter.
    """
    essential = _essential_acr(claims_param)
    if essential is not None:
        levels = _levels(essential)
        allowed = sorted(level for level in levels if level <= catalogue)
        if not allowed:
            raise BrokerError(
                ErrorKind.LOA_UNSUPPORTED,
                "The essential acr names no eHerkenning level this service can reach.",
                debug=f"asked {essential!r}, catalogue {catalogue.label}",
            )
        required = allowed[0]
        accepted = tuple(sorted(levels))
    else:
        voluntary = [lv for lv in _levels((acr_values or "").split()) if lv <= catalogue]
        required = min(voluntary) if voluntary else catalogue
        accepted = ()
    if required is Loa.EH1:
        raise BrokerError(ErrorKind.LOA_UNSUPPORTED, "eH1 is no longer supported.")
    return LevelRequest(required, accepted)


def acr_for(achieved: Loa, essential: tuple[Loa, ...]) -> str:
    """The ``acr`` to state: the achieved level, or, when acr was essential with values, the
    highest requested value the achieved level satisfies (OIDC Core §5.5.1.1: the value
    returned must be one of those requested; "at least eH2+" is true of an eH3 login).

    :raises BrokerError: ``LOA_NOT_MET`` when no requested value is satisfied.
    """
    if not essential:
        return achieved.urn
    met = [level for level in essential if achieved.satisfies(level)]
    if not met:
        raise BrokerError(ErrorKind.LOA_NOT_MET, debug=f"achieved {achieved.label}")
    return max(met).urn


def encrypted_claim(encrypted_id: etree._Element) -> dict[str, str]:
    """An EncryptedID as a claim value: its XML as the MR made it, base64, still encrypted."""
    xml = etree.tostring(copy_unchanged(encrypted_id))
    return {ENCRYPTED_ID: base64.b64encode(xml).decode("ascii")}


def login_claims(facts: LoginFacts, acr: str) -> dict[str, Any]:
    """``sub``, ``acr`` and the eHerkenning claims of a complete login (docs/oidc.md).

    :raises BrokerError: ``UPSTREAM_INVALID`` when the MR named no acting person.
    """
    if not facts.acting_entity_id:
        raise BrokerError(ErrorKind.UPSTREAM_INVALID, debug="no ActingEntityID in the MR answer")
    flow = facts.flow
    claims: dict[str, Any] = {
        "sub": facts.acting_entity_id,
        "acr": acr,
        SERVICE_ID: flow.service_id,
        SERVICE_UUID: flow.service_uuid,
        AUTHENTICATING_AUTHORITY: flow.chosen_ad or "",
    }
    if facts.legal_subject_id is not None:
        claims[LEGAL_SUBJECT_ID] = encrypted_claim(facts.legal_subject_id)
    if facts.acting_subject_id is not None:
        claims[ACTING_SUBJECT_ID] = encrypted_claim(facts.acting_subject_id)
    if facts.vestigingsnr is not None:
        claims[VESTIGINGSNR] = facts.vestigingsnr
    kvk = facts.intermediate_kvk
    if isinstance(kvk, str):
        claims[INTERMEDIATE_KVK] = kvk
    elif kvk is not None:
        claims[INTERMEDIATE_KVK] = encrypted_claim(kvk)
    if facts.intermediate_name is not None:
        claims[INTERMEDIATE_NAME] = facts.intermediate_name
    return claims


__all__ = [
    "ACTING_SUBJECT_ID",
    "ENCRYPTED_ID",
    "INTERMEDIATE_KVK",
    "INTERMEDIATE_NAME",
    "LEGAL_SUBJECT_ID",
    "LevelRequest",
    "SERVICE_ID",
    "SERVICE_UUID",
    "SUPPORTED",
    "VESTIGINGSNR",
    "acr_for",
    "encrypted_claim",
    "level_request",
    "login_claims",
]
