"""Page texts of the eIDAS bridge in Dutch (default) and English."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "nl": {
        "eidas.not_inbound.title": "Inloggen met een Europees inlogmiddel niet mogelijk",
        "eidas.not_inbound.text": "De dienst {service} is niet aangemeld voor inloggen met een"
        " inlogmiddel uit een ander EU-land (eIDAS). Ga terug naar de dienst en kies"
        " eHerkenning, of neem contact op met de dienst.",
    },
    "en": {
        "eidas.not_inbound.title": "Logging in with a European means is not possible",
        "eidas.not_inbound.text": "The service {service} is not registered for logging in with"
        " a means from another EU country (eIDAS). Go back to the service and choose"
        " eHerkenning, or contact the service.",
    },
}
