"""Page texts of the simulator (Dutch default, English)."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "nl": {
        "node.name": "eIDAS-knooppunt (simulator)",
        "node.home.title": "eIDAS-knooppunt simulator",
        "node.home.intro": "Dit is een simulator voor tests en demo's: geen echte personen.",
        "node.home.outbound": "Inloggen bij een buitenlandse dienst met uw Nederlandse"
        " onderneming",
        "node.country.title": "Kies uw land",
        "node.country.intro": "Een Nederlandse dienst vraagt om inloggen met een Europees"
        " inlogmiddel (niveau {level}).",
        "node.identity.title": "Kies een testidentiteit",
        "node.identity.level": "Niveau van de inlog",
        "node.continue": "Verder",
        "node.cancel": "Annuleren",
        "node.connector.title": "Inloggen bij een buitenlandse dienst",
        "node.connector.level": "Gevraagd eIDAS-niveau",
        "node.connector.start": "Inloggen met eHerkenning",
        "node.result.title": "Antwoord van de Nederlandse proxy service",
        "node.result.status": "Status",
        "node.result.level": "Niveau",
        "node.result.encryption": "Versleuteling",
    },
    "en": {
        "node.name": "eIDAS node (simulator)",
        "node.home.title": "eIDAS node simulator",
        "node.home.intro": "This is a simulator for tests and demos: no real persons.",
        "node.home.outbound": "Log in at a foreign service with your Dutch company",
        "node.country.title": "Choose your country",
        "node.country.intro": "A Dutch service asks you to log in with a European means"
        " (level {level}).",
        "node.identity.title": "Choose a test identity",
        "node.identity.level": "Level of the login",
        "node.continue": "Continue",
        "node.cancel": "Cancel",
        "node.connector.title": "Log in at a foreign service",
        "node.connector.level": "Requested eIDAS level",
        "node.connector.start": "Log in with eHerkenning",
        "node.result.title": "Answer of the Dutch proxy service",
        "node.result.status": "Status",
        "node.result.level": "Level",
        "node.result.encryption": "Encryption",
    },
}
