"""Page texts of the OIDC face in Dutch (default) and English."""

from __future__ import annotations

from typing import Final

TEXTS: Final = {
    "nl": {
        "oidc.error": "Het inlogverzoek van de dienst is niet in orde. Ga terug naar de dienst "
        "en probeer het opnieuw; blijft het misgaan, meld dan de foutcode hieronder.",
        "oidc.logged_out": "Uitgelogd",
        "oidc.logged_out_text": "U bent uitgelogd bij de herkenningsmakelaar. U kunt dit "
        "venster sluiten.",
    },
    "en": {
        "oidc.error": "The service's login request is not valid. Go back to the service and "
        "try again; if it keeps failing, report the error code below.",
        "oidc.logged_out": "Logged out",
        "oidc.logged_out_text": "You are logged out at the broker. You may close this window.",
    },
}
