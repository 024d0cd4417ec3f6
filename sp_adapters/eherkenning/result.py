"""What a DV application receives from a login: a typed result or a typed failure.

Spec §3.1-§3.2 (identifier types as NameQualifier URNs, acting person's pseudonym, branch
restriction, intermediary in a chain), §4.5 (the HM assertion) and §4.8 (a cancel is Responder +
AuthnFailed: the application shows "Inloggen geannuleerd", never an exception page).
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass
from enum import Enum
from typing import Any

from policies.loa import Loa


class CompanyIdType(Enum):
    """The type of the represented party's identifier: the NameQualifier of LegalSubjectID."""

    KVKNR = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    RSIN = "urn:etoegang:1.9:EntityConcernedID:RSIN"
    BSN = "urn:etoegang:1.12:EntityConcernedID:BSN"
    PSEUDO_ID = "urn:etoegang:1.12:EntityConcernedID:PseudoID"
    EIDAS_LEGAL_IDENTIFIER = "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier"
    PSEUDO = "urn:etoegang:1.13:EntityConcernedID:Pseudo"
    PSEUDO_1_9 = "urn:etoegang:1.9:EntityConcernedID:Pseudo"
    BSN_LEGACY = "urn:etoegang:1.9:EntityConcernedID:BSN"

    @classmethod
    def _missing_(cls, value: object) -> CompanyIdType:
        raise ValueError(f"not an eHerkenning identifier type: {value!r}")

    @property
    def label(self) -> str:
        """The short name DV developers know (KvKnr, RSIN, BSN, ...)."""
        return self.value.rsplit(":", 1)[1]


@dataclass(frozen=True, slots=True)
class EHerkenningLogin:
    """A verified eHerkenning login, with identifiers decrypted for this DV."""

    #: The represented company's identifier (decrypted LegalSubjectID).
    company_id: str
    company_id_type: CompanyIdType
    #: The acting person's DV-specific pseudonym (decrypted ActingSubjectID), if delivered.
    acting_pseudonym: str | None
    loa: Loa
    #: ServiceRestriction:Vestigingsnr: act only for this branch (spec §3.2).
    branch: str | None
    #: In a chain authorisation: the intermediary's KvK number and name (spec §7).
    intermediary_kvk: str | None
    intermediary_name: str | None
    service_id: str
    service_uuid: str | None
    #: The AD's EntityID (AuthenticatingAuthority).
    authenticating_authority: str | None
    session_index: str | None
    #: The HM assertion's NameID, needed again for logout.
    name_id: str
    name_id_format: str | None = None
    name_id_qualifier: str | None = None
    #: Other attributes (plain or decrypted), name -> values.
    attributes: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: The application's own RelayState given to ``login``.
    relay_state: str | None = None
    #: The KeyName of the HM certificate whose signature over the assertion verified: which
    #: of the HM's published keys signed, e.g. before and after a key rollover.
    hm_key_name: str | None = None

    def attribute(self, name: str) -> tuple[str, ...]:
        return next((values for key, values in self.attributes if key == name), ())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for a session store)."""
        data = asdict(self)
        data["company_id_type"] = self.company_id_type.value
        data["loa"] = self.loa.value
        data["attributes"] = [[key, list(values)] for key, values in self.attributes]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EHerkenningLogin:
        values = dict(data)
        values["company_id_type"] = CompanyIdType(values["company_id_type"])
        values["loa"] = Loa(values["loa"])
        values["attributes"] = tuple((k, tuple(v)) for k, v in values.get("attributes", ()))
        return cls(**values)


class FailureKind(Enum):
    """Why a login did not complete, for the application's choice of page."""

    #: The user cancelled (Responder/AuthnFailed from the HM).
    CANCELLED = "cancelled"
    #: The HM answered with another error status (not authorised, level not met, ...).
    REFUSED = "refused"
    #: The answer failed verification, or the login expired: nothing from it is used.
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class LoginFailure:
    """A login that did not complete. ``public`` is safe to show; ``code`` is for logs."""

    kind: FailureKind
    public: str
    code: str
    status_top: str | None = None
    status_second: str | None = None
    relay_state: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.kind is FailureKind.CANCELLED
