"""The demo DV's page texts in Dutch (default) and English, registered with web.i18n."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "dv.name": "Gemeente Voorbeeldstad",
        "dv.intro": "Regel uw zaken met de gemeente online. Kies een dienst en log in met "
                    "eHerkenning namens uw organisatie.",
        "dv.services": "Diensten",
        "dv.level": "Vereist niveau",
        "dv.login": "Inloggen met eHerkenning",
        "dv.login_for": "Inloggen met eHerkenning voor {service}",
        "dv.result": "U bent ingelogd",
        "dv.received": "Wat de gemeente van eHerkenning ontving",
        "dv.company": "Organisatie",
        "dv.company_type": "Soort nummer",
        "dv.branch": "Vestigingsnummer",
        "dv.branch_none": "geen (u handelt voor de hele organisatie)",
        "dv.acting": "Pseudoniem van de handelende persoon",
        "dv.loa": "Betrouwbaarheidsniveau",
        "dv.intermediary": "Intermediair (ketenmachtiging)",
        "dv.none": "geen",
        "dv.service": "Dienst",
        "dv.ad": "Authenticatiedienst",
        "dv.hm_key": "Ondertekend met makelaarssleutel",
        "dv.logout": "Uitloggen",
        "dv.logged_out": "U bent uitgelogd",
        "dv.logged_out_text": "U bent uitgelogd bij de gemeente. Sluit uw browser als u ook "
                              "elders wilt uitloggen.",
        "dv.cancelled": "Inloggen geannuleerd",
        "dv.cancelled_text": "U heeft het inloggen afgebroken. Er is niets met uw gegevens "
                             "gebeurd.",
        "dv.failed": "Inloggen is niet gelukt",
        "dv.failed_text": "Het antwoord van eHerkenning kon niet worden geaccepteerd. Probeer "
                          "het opnieuw.",
        "dv.refused": "eHerkenning heeft het inloggen geweigerd. Controleer of u gemachtigd "
                      "bent voor deze dienst op het vereiste niveau, of vraag het uw beheerder.",
        "dv.again": "Opnieuw proberen",
        "dv.home": "Naar de startpagina",
        "dv.not_logged_in": "U bent niet ingelogd.",
        "dv.privacy": "Privacyverklaring",
        "dv.privacy_text": "Deze demonstratiedienst bewaart niets na het uitloggen.",
    },
    "en": {
        "dv.name": "Municipality of Exampletown",
        "dv.intro": "Arrange your business with the municipality online. Choose a service and "
                    "log in with eHerkenning on behalf of your organisation.",
        "dv.services": "Services",
        "dv.level": "Required level",
        "dv.login": "Log in with eHerkenning",
        "dv.login_for": "Log in with eHerkenning for {service}",
        "dv.result": "You are logged in",
        "dv.received": "What the municipality received from eHerkenning",
        "dv.company": "Organisation",
        "dv.company_type": "Kind of number",
        "dv.branch": "Branch number",
        "dv.branch_none": "none (you act for the whole organisation)",
        "dv.acting": "Pseudonym of the acting person",
        "dv.loa": "Level of assurance",
        "dv.intermediary": "Intermediary (chain authorisation)",
        "dv.none": "none",
        "dv.service": "Service",
        "dv.ad": "Authentication service",
        "dv.hm_key": "Signed with broker key",
        "dv.logout": "Log out",
        "dv.logged_out": "You are logged out",
        "dv.logged_out_text": "You are logged out of the municipality. Close your browser to "
                              "log out elsewhere too.",
        "dv.cancelled": "Login cancelled",
        "dv.cancelled_text": "You cancelled the login. Nothing was done with your data.",
        "dv.failed": "Login failed",
        "dv.failed_text": "The answer from eHerkenning could not be accepted. Please try again.",
        "dv.refused": "eHerkenning refused the login. Check that you are authorised for this "
                      "service at the required level, or ask your administrator.",
        "dv.again": "Try again",
        "dv.home": "To the home page",
        "dv.not_logged_in": "You are not logged in.",
        "dv.privacy": "Privacy statement",
        "dv.privacy_text": "This demonstration service keeps nothing after you log out.",
    },
}
