"""The broker's page texts in Dutch (default) and English (spec §9 discovery; §9 SLO notice).

Every ErrorKind has an error-page text; a test checks that none is missing.
"""

from __future__ import annotations

from typing import Final

from broker.errors import ErrorKind

_ERRORS_NL: Final[dict[ErrorKind, str]] = {
    ErrorKind.REQUEST_INVALID: "Het inlogverzoek van de dienst is niet geldig.",
    ErrorKind.SERVICE_UNKNOWN: "De gevraagde dienst is niet bekend.",
    ErrorKind.LOA_UNSUPPORTED: "Het gevraagde betrouwbaarheidsniveau wordt niet ondersteund.",
    ErrorKind.PASSIVE_NOT_POSSIBLE: "Inloggen zonder tussenkomst is niet mogelijk.",
    ErrorKind.NO_MEANS_FOR_LOA: "Er is geen inlogmiddel dat het gevraagde niveau haalt.",
    ErrorKind.USER_CANCELLED: "U heeft het inloggen afgebroken.",
    ErrorKind.AUTHN_FAILED: "Inloggen is niet gelukt.",
    ErrorKind.LOA_NOT_MET: "Uw inlogmiddel of machtiging haalt het gevraagde niveau niet.",
    ErrorKind.NOT_AUTHORISED: "Er is geen machtiging gevonden voor deze dienst.",
    ErrorKind.UPSTREAM_INVALID: "De leverancier van uw inlogmiddel gaf een ongeldig antwoord.",
    ErrorKind.UPSTREAM_UNAVAILABLE: "De leverancier van uw inlogmiddel is niet bereikbaar.",
    ErrorKind.INTERNAL: "Er ging iets mis bij de herkenningsmakelaar.",
    ErrorKind.UNKNOWN_REQUESTER: "De dienst die u wilde gebruiken is niet aangesloten.",
    ErrorKind.BAD_SIGNATURE: "Het bericht van de dienst is niet correct ondertekend.",
    ErrorKind.BAD_RETURN_CHANNEL: "Het terugkeeradres van de dienst is niet geregistreerd.",
    ErrorKind.BAD_DESTINATION: "Het bericht is niet voor deze herkenningsmakelaar bedoeld.",
    ErrorKind.REPLAY: "Dit bericht is al eerder ontvangen.",
    ErrorKind.MESSAGE_EXPIRED: "Het inlogverzoek is verlopen. Ga terug naar de dienst.",
    ErrorKind.FLOW_MISSING_OR_EXPIRED: "Uw inlogsessie is verlopen of onbekend.",
    ErrorKind.STEP_OUT_OF_ORDER: "Deze stap van het inloggen is al gedaan.",
    ErrorKind.UNDECODABLE: "Het bericht kon niet worden gelezen.",
}
_ERRORS_EN: Final[dict[ErrorKind, str]] = {
    ErrorKind.REQUEST_INVALID: "The service's login request is not valid.",
    ErrorKind.SERVICE_UNKNOWN: "The requested service is not known.",
    ErrorKind.LOA_UNSUPPORTED: "The requested level of assurance is not supported.",
    ErrorKind.PASSIVE_NOT_POSSIBLE: "Logging in without interaction is not possible.",
    ErrorKind.NO_MEANS_FOR_LOA: "No means reaches the required level.",
    ErrorKind.USER_CANCELLED: "You cancelled the login.",
    ErrorKind.AUTHN_FAILED: "Logging in failed.",
    ErrorKind.LOA_NOT_MET: "Your means or authorisation does not reach the required level.",
    ErrorKind.NOT_AUTHORISED: "No authorisation was found for this service.",
    ErrorKind.UPSTREAM_INVALID: "The supplier of your means sent an invalid answer.",
    ErrorKind.UPSTREAM_UNAVAILABLE: "The supplier of your means cannot be reached.",
    ErrorKind.INTERNAL: "Something went wrong at the broker.",
    ErrorKind.UNKNOWN_REQUESTER: "The service you wanted to use is not connected.",
    ErrorKind.BAD_SIGNATURE: "The service's message is not correctly signed.",
    ErrorKind.BAD_RETURN_CHANNEL: "The service's return address is not registered.",
    ErrorKind.BAD_DESTINATION: "The message is not meant for this broker.",
    ErrorKind.REPLAY: "This message was received before.",
    ErrorKind.MESSAGE_EXPIRED: "The login request has expired. Go back to the service.",
    ErrorKind.FLOW_MISSING_OR_EXPIRED: "Your login session has expired or is unknown.",
    ErrorKind.STEP_OUT_OF_ORDER: "This step of the login was already done.",
    ErrorKind.UNDECODABLE: "The message could not be read.",
}

TEXTS: Final[dict[str, dict[str, str]]] = {
    "nl": {
        "broker.name": "Herkenningsmakelaar",
        "broker.discovery.title": "Kies uw inlogmiddel",
        "broker.discovery.intro": "U logt in bij {dv} voor de dienst {service}.",
        "broker.discovery.level": "Deze dienst vraagt betrouwbaarheidsniveau {level}.",
        "broker.discovery.legend": "Leverancier van uw eHerkenningsmiddel",
        "broker.discovery.remember": "Onthoud mijn keuze",
        "broker.discovery.choose": "Inloggen",
        "broker.discovery.cancel": "Annuleren",
        "broker.discovery.cancelled_at_ad": "U heeft het inloggen afgebroken. Kies opnieuw een"
        " inlogmiddel of annuleer.",
        "broker.discovery.retry": "Er is geen machtiging gevonden of u heeft afgebroken. Kies"
        " opnieuw een inlogmiddel of annuleer.",
        "broker.logout.unavailable": "Uitloggen is momenteel niet mogelijk. Sluit alle"
        " browservensters om uit te loggen.",
        "broker.logout.title": "Uitloggen",
    },
    "en": {
        "broker.name": "Herkenningsmakelaar (broker)",
        "broker.discovery.title": "Choose your login means",
        "broker.discovery.intro": "You are logging in to {dv} for the service {service}.",
        "broker.discovery.level": "This service asks for level of assurance {level}.",
        "broker.discovery.legend": "Supplier of your eHerkenning means",
        "broker.discovery.remember": "Remember my choice",
        "broker.discovery.choose": "Log in",
        "broker.discovery.cancel": "Cancel",
        "broker.discovery.cancelled_at_ad": "You cancelled the login. Choose a means again or"
        " cancel.",
        "broker.discovery.retry": "No authorisation was found or you cancelled. Choose a means"
        " again or cancel.",
        "broker.logout.unavailable": "Logging out is not possible at the moment. Close all"
        " browser windows to log out.",
        "broker.logout.title": "Log out",
    },
}
for _kind, _text in _ERRORS_NL.items():
    TEXTS["nl"][f"broker.error.{_kind.value}"] = _text
for _kind, _text in _ERRORS_EN.items():
    TEXTS["en"][f"broker.error.{_kind.value}"] = _text
