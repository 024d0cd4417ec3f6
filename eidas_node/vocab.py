"""The eIDAS SAML profile names the simulator uses (spec §8.2). Kept here, not shared with the
broker: the simulator is an independent implementation of the other side of the wire."""

from __future__ import annotations

from enum import Enum
from typing import Final

from etoegang.xml.ns import EIDAS_LP
from etoegang.xml.ns import EIDAS_NP

ATTRNAME_URI: Final = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
PERSON_IDENTIFIER: Final = EIDAS_NP + "/PersonIdentifier"
FAMILY_NAME: Final = EIDAS_NP + "/CurrentFamilyName"
GIVEN_NAME: Final = EIDAS_NP + "/CurrentGivenName"
DATE_OF_BIRTH: Final = EIDAS_NP + "/DateOfBirth"
BIRTH_NAME: Final = EIDAS_NP + "/BirthName"
LEGAL_PERSON_IDENTIFIER: Final = EIDAS_LP + "/LegalPersonIdentifier"
LEGAL_NAME: Final = EIDAS_LP + "/LegalName"
REPRESENTATIVE_ID: Final = EIDAS_NP.replace("naturalperson", "naturalperson/representative") \
    + "/PersonIdentifier"

#: The eIDAS attribute value types (xsi:type) per attribute.
VALUE_TYPES: Final[dict[str, tuple[str, str]]] = {
    PERSON_IDENTIFIER: (EIDAS_NP, "PersonIdentifierType"),
    FAMILY_NAME: (EIDAS_NP, "CurrentFamilyNameType"),
    GIVEN_NAME: (EIDAS_NP, "CurrentGivenNameType"),
    DATE_OF_BIRTH: (EIDAS_NP, "DateOfBirthType"),
    BIRTH_NAME: (EIDAS_NP, "BirthNameType"),
    LEGAL_PERSON_IDENTIFIER: (EIDAS_LP, "LegalPersonIdentifierType"),
    LEGAL_NAME: (EIDAS_LP, "LegalNameType"),
}


class Level(Enum):
    LOW = "http://eidas.europa.eu/LoA/low"
    SUBSTANTIAL = "http://eidas.europa.eu/LoA/substantial"
    HIGH = "http://eidas.europa.eu/LoA/high"

    @classmethod
    def _missing_(cls, value: object) -> Level:
        raise ValueError(f"not an eIDAS level: {value!r}")

    @property
    def label(self) -> str:
        return self.value.rsplit("/", 1)[1]


class Signing(Enum):
    """How the simulator signs (both are in the eIDAS crypto profile)."""

    ECDSA = "ecdsa"
    RSA_PSS = "rsa-pss"

    @classmethod
    def _missing_(cls, value: object) -> Signing:
        raise ValueError(f"signing must be ecdsa or rsa-pss, not {value!r}")
