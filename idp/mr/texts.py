"""The authorisation register's page texts, Dutch (default) and English."""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    "nl": {
        "mr.brand": "Makelaar Machtigingen",
        "mr.choose.title": "Kies voor wie u handelt",
        "mr.choose.intro": "U heeft meerdere machtigingen voor {service} van {provider}. "
        "Kies voor welke organisatie u nu inlogt.",
        "mr.choose.legend": "Organisatie",
        "mr.choose.kvk": "KvK-nummer {kvk}",
        "mr.choose.branch": "alleen vestiging {branch} ({number})",
        "mr.choose.chain": "namens {client} via {firm}",
        "mr.choose.sole": "eenmanszaak",
        "mr.choose.missing": "Kies een van de organisaties.",
        "mr.deny.title": "Geen machtiging",
        "mr.deny.message": "U heeft geen machtiging voor {service} op niveau {level}.",
        "mr.deny.lower": "U heeft wel een machtiging voor deze dienst, maar op een lager "
        "niveau ({levels}). De dienst vraagt minimaal {level}.",
        "mr.deny.branch": "Uw machtiging geldt alleen voor één vestiging, en deze dienst "
        "accepteert geen machtiging voor één vestiging.",
        "mr.deny.chain": "Deze dienst accepteert geen ketenmachtiging op dit niveau.",
        "mr.deny.ask": "Vraag uw beheerder bij {organisations} om een machtiging.",
        "mr.deny.ask_generic": "Vraag de beheerder van uw organisatie om een machtiging.",
        "mr.deny.continue": "Terug naar de dienst",
        "mr.consent.title": "Gegevens delen",
        "mr.consent.intro": "{service} vraagt de volgende gegevens van {company}. "
        "Geef per gegeven aan of u het wilt delen.",
        "mr.consent.required": "verplicht",
        "mr.consent.optional": "optioneel",
        "mr.consent.purpose": "Doel",
        "mr.consent.share": "Delen",
        "mr.consent.unavailable": "Dit gegeven kunnen wij niet leveren.",
        "mr.stopped.title": "Inloggen gestopt",
        "mr.stopped.message": "U gaf geen toestemming voor het verplichte gegeven {attribute}, "
        "of wij kunnen het niet leveren. Zonder dit gegeven kunt u {service} niet gebruiken.",
        "mr.error.untrusted": "Het verzoek van de herkenningsmakelaar kon niet worden "
        "gecontroleerd.",
        "mr.error.expired": "Uw sessie is verlopen. Ga terug naar de dienst en log opnieuw in.",
        "CompanyName": "Bedrijfsnaam",
        "KvKnr": "KvK-nummer",
    },
    "en": {
        "mr.brand": "Makelaar Mandates",
        "mr.choose.title": "Choose whom you act for",
        "mr.choose.intro": "You have several mandates for {service} of {provider}. "
        "Choose the organisation you log in for now.",
        "mr.choose.legend": "Organisation",
        "mr.choose.kvk": "KvK number {kvk}",
        "mr.choose.branch": "branch {branch} ({number}) only",
        "mr.choose.chain": "on behalf of {client} through {firm}",
        "mr.choose.sole": "sole proprietorship",
        "mr.choose.missing": "Choose one of the organisations.",
        "mr.deny.title": "No mandate",
        "mr.deny.message": "You have no mandate for {service} at level {level}.",
        "mr.deny.lower": "You do have a mandate for this service, but at a lower level "
        "({levels}). The service asks at least {level}.",
        "mr.deny.branch": "Your mandate covers one branch only, and this service does not "
        "accept a mandate for one branch.",
        "mr.deny.chain": "This service does not accept chain mandates at this level.",
        "mr.deny.ask": "Ask your administrator at {organisations} for a mandate.",
        "mr.deny.ask_generic": "Ask your organisation's administrator for a mandate.",
        "mr.deny.continue": "Back to the service",
        "mr.consent.title": "Share information",
        "mr.consent.intro": "{service} asks for the following information about {company}. "
        "Choose for each item whether you want to share it.",
        "mr.consent.required": "required",
        "mr.consent.optional": "optional",
        "mr.consent.purpose": "Purpose",
        "mr.consent.share": "Share",
        "mr.consent.unavailable": "We cannot provide this item.",
        "mr.stopped.title": "Login stopped",
        "mr.stopped.message": "You did not agree to share the required item {attribute}, or "
        "we cannot provide it. Without it you cannot use {service}.",
        "mr.error.untrusted": "The request from the broker could not be verified.",
        "mr.error.expired": "Your session has expired. Go back to the service and log in again.",
        "CompanyName": "Company name",
        "KvKnr": "KvK number",
    },
}
