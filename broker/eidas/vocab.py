"""The eIDAS SAML profile vocabulary the bridge speaks, and the etoegang names it maps onto
(spec §8.2 eIDAS attributes and SPType; §3.1, §3.2, §3.4 etoegang attributes and identifiers).

One table of URIs, so no other module of the bridge spells one.
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from etoegang.xml.ns import EIDAS_LP
from etoegang.xml.ns import EIDAS_NP

#: Catalogue classifier of a service instance that foreign eIDAS logins may use (§4.8, §8.1).
EIDAS_INBOUND: Final = "eIDAS-inbound"
ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
#: The eIDAS node protocol binding (nodes use POST only, §8.2).
POST_BINDING: Final = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"


class SpType(Enum):
    """eidas:SPType (§8.2)."""

    PUBLIC = "public"
    PRIVATE = "private"

    @classmethod
    def _missing_(cls, value: object) -> SpType:
        raise ValueError(f"not an eIDAS SPType: {value!r}")


class NaturalPerson(Enum):
    """eIDAS natural person attributes (§8.2); the first four are the minimum data set."""

    PERSON_IDENTIFIER = EIDAS_NP + "/PersonIdentifier"
    CURRENT_FAMILY_NAME = EIDAS_NP + "/CurrentFamilyName"
    CURRENT_GIVEN_NAME = EIDAS_NP + "/CurrentGivenName"
    DATE_OF_BIRTH = EIDAS_NP + "/DateOfBirth"
    BIRTH_NAME = EIDAS_NP + "/BirthName"
    PLACE_OF_BIRTH = EIDAS_NP + "/PlaceOfBirth"
    CURRENT_ADDRESS = EIDAS_NP + "/CurrentAddress"
    GENDER = EIDAS_NP + "/Gender"

    @classmethod
    def _missing_(cls, value: object) -> NaturalPerson:
        raise ValueError(f"not an eIDAS natural person attribute: {value!r}")

    @property
    def friendly_name(self) -> str:
        return self.value.rsplit("/", 1)[1]


class LegalPerson(Enum):
    """eIDAS legal person attributes (§8.2); the first two are the minimum data set."""

    LEGAL_PERSON_IDENTIFIER = EIDAS_LP + "/LegalPersonIdentifier"
    LEGAL_NAME = EIDAS_LP + "/LegalName"

    @classmethod
    def _missing_(cls, value: object) -> LegalPerson:
        raise ValueError(f"not an eIDAS legal person attribute: {value!r}")

    @property
    def friendly_name(self) -> str:
        return self.value.rsplit("/", 1)[1]


NATURAL_MINIMUM: Final = (
    NaturalPerson.PERSON_IDENTIFIER,
    NaturalPerson.CURRENT_FAMILY_NAME,
    NaturalPerson.CURRENT_GIVEN_NAME,
    NaturalPerson.DATE_OF_BIRTH,
)
LEGAL_MINIMUM: Final = (LegalPerson.LEGAL_PERSON_IDENTIFIER, LegalPerson.LEGAL_NAME)


class Etoegang(Enum):
    """The etoegang names eIDAS data is delivered under (§3.1, §3.2, §3.4)."""

    ACTING_SUBJECT_ID = "urn:etoegang:core:ActingSubjectID"
    LEGAL_SUBJECT_ID = "urn:etoegang:core:LegalSubjectID"
    SERVICE_ID = "urn:etoegang:core:ServiceID"
    SERVICE_UUID = "urn:etoegang:core:ServiceUUID"
    FIRST_NAME = "urn:etoegang:1.9:attribute:FirstName"
    FAMILY_NAME = "urn:etoegang:1.9:attribute:FamilyName"
    DATE_OF_BIRTH = "urn:etoegang:1.9:attribute:DateOfBirth"
    BIRTH_NAME = "urn:etoegang:1.11:attribute:BirthName"
    COMPANY_NAME = "urn:etoegang:1.11:attribute-represented:CompanyName"

    @classmethod
    def _missing_(cls, value: object) -> Etoegang:
        raise ValueError(f"not an etoegang name the bridge uses: {value!r}")


class IdentifierKind(Enum):
    """NameQualifiers of the identifiers the bridge makes or reads (§3.2)."""

    PSEUDO_1_13 = "urn:etoegang:1.13:EntityConcernedID:Pseudo"
    PSEUDO_1_9 = "urn:etoegang:1.9:EntityConcernedID:Pseudo"
    EIDAS_LEGAL = "urn:etoegang:1.11:EntityConcernedID:eIDASLegalIdentifier"
    KVKNR = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    RSIN = "urn:etoegang:1.9:EntityConcernedID:RSIN"

    @classmethod
    def _missing_(cls, value: object) -> IdentifierKind:
        raise ValueError(f"not an identifier kind of the bridge: {value!r}")


#: Natural person attribute -> etoegang attribute (the identifier is handled apart: pseudonym).
NATURAL_TO_ETOEGANG: Final[dict[NaturalPerson, Etoegang]] = {
    NaturalPerson.CURRENT_GIVEN_NAME: Etoegang.FIRST_NAME,
    NaturalPerson.CURRENT_FAMILY_NAME: Etoegang.FAMILY_NAME,
    NaturalPerson.DATE_OF_BIRTH: Etoegang.DATE_OF_BIRTH,
    NaturalPerson.BIRTH_NAME: Etoegang.BIRTH_NAME,
}
#: Legal person attribute -> etoegang attribute (LegalPersonIdentifier -> LegalSubjectID).
LEGAL_TO_ETOEGANG: Final[dict[LegalPerson, Etoegang]] = {
    LegalPerson.LEGAL_NAME: Etoegang.COMPANY_NAME,
}
