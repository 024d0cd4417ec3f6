"""The AD's texts in Dutch (default) and English, registered with :mod:`web.i18n`."""

from __future__ import annotations

from web import i18n

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "ad.name": "Makelaar Middelen",
        "ad.for_service": "U logt in voor {service} van {dv}.",
        "ad.level_needed": "Vereist betrouwbaarheidsniveau: {level}",
        "ad.login.title": "Inloggen met eHerkenning",
        "ad.email": "E-mailadres",
        "ad.password": "Wachtwoord",
        "ad.login.submit": "Inloggen",
        "ad.cancel": "Annuleren en terug naar {dv}",
        "ad.error.summary": "Er is een probleem",
        "ad.error.missing": "Vul uw e-mailadres en wachtwoord in.",
        "ad.error.credentials": "Het e-mailadres of het wachtwoord is niet juist.",
        "ad.error.locked": "Te veel mislukte pogingen. Probeer het over 15 minuten opnieuw.",
        "ad.error.revoked": "Uw eHerkenningsmiddel is ingetrokken. U kunt er niet meer mee "
        "inloggen. Vraag de beheerder van uw organisatie om een nieuw middel.",
        "ad.error.expired": "Uw eHerkenningsmiddel is verlopen. Vraag de beheerder van uw "
        "organisatie om het te verlengen.",
        "ad.error.suspended": "Uw eHerkenningsmiddel is tijdelijk geblokkeerd. Neem contact op "
        "met de beheerder van uw organisatie.",
        "ad.error.not_active": "Uw eHerkenningsmiddel is nog niet actief.",
        "ad.error.no_mobile": "Bij uw middel hoort geen gecontroleerd mobiel nummer voor de "
        "sms-code. Vraag de beheerder van uw organisatie om het toe te voegen.",
        "ad.error.transaction": "Uw inlogpoging is verlopen of onbekend. Ga terug naar de "
        "dienst en begin opnieuw.",
        "ad.error.request": "Het inlogverzoek kan niet worden verwerkt.",
        "ad.level.title": "Uw middel heeft een te laag niveau",
        "ad.level.text": "{service} vraagt minimaal betrouwbaarheidsniveau {required}. Uw "
        "eHerkenningsmiddel heeft niveau {level}.",
        "ad.level.upgrade": "Een middel op een hoger niveau vraagt u aan bij de beheerder van "
        "uw organisatie, via het portaal van Makelaar Middelen. Daarna kunt u opnieuw inloggen.",
        "ad.code.title": "Sms-code invullen",
        "ad.code.sent": "We hebben een sms-code gestuurd naar {number}. De code is 5 minuten "
        "geldig.",
        "ad.code.label": "Sms-code (6 cijfers)",
        "ad.code.submit": "Bevestigen",
        "ad.code.resend": "Stuur een nieuwe code",
        "ad.code.resent": "Er is een nieuwe code verstuurd.",
        "ad.code.wrong": "De code is niet juist. U heeft nog {left} poging(en).",
        "ad.code.locked": "Te veel pogingen: deze code is geblokkeerd. Vraag een nieuwe code "
        "aan.",
        "ad.code.expired": "De code is verlopen of al gebruikt. Vraag een nieuwe code aan.",
        "ad.code.rate": "U kunt nu geen nieuwe code krijgen. Probeer het over {seconds} "
        "seconden opnieuw.",
        "ad.code.unavailable": "De sms kon niet worden verstuurd. Probeer het later opnieuw.",
        "ad.sms.text": "Uw Makelaar-inlogcode is {code}. De code is 5 minuten geldig. Deel "
        "hem met niemand.",
        "ad.consent.title": "Toestemming voor uw gegevens",
        "ad.consent.intro": "{dv} vraagt de volgende gegevens over u. Kies per gegeven of u "
        "het wilt delen. Zonder uw toestemming geven wij niets door.",
        "ad.consent.share": "Delen",
        "ad.consent.required": "verplicht",
        "ad.consent.optional": "niet verplicht",
        "ad.consent.unavailable": "niet beschikbaar bij ons",
        "ad.consent.purpose": "Doel",
        "ad.consent.submit": "Doorgaan",
        "ad.consent.stopped": "Het inloggen bij {dv} is gestopt: voor een verplicht gegeven "
        "({names}) is geen toestemming gegeven of het is niet beschikbaar.",
        "ad.back": "Terug naar {dv}",
        "ad.logout.title": "U bent uitgelogd",
        "ad.logout.text": "U bent uitgelogd bij {dv} en bij {ad}.",
        "ad.logout.text_ad": "U bent uitgelogd bij {ad}.",
        "ad.logout.elsewhere": "Bent u nog bij andere diensten ingelogd? Log daar zelf uit of "
        "sluit alle vensters van uw browser.",
        "attr.FirstName": "Voornamen",
        "attr.FamilyName": "Achternaam",
        "attr.FamilyNameInfix": "Tussenvoegsel",
        "attr.Initials": "Voorletters",
        "attr.DateOfBirth": "Geboortedatum",
    },
    "en": {
        "ad.name": "Makelaar Means",
        "ad.for_service": "You are logging in to {service} of {dv}.",
        "ad.level_needed": "Level of assurance required: {level}",
        "ad.login.title": "Log in with eHerkenning",
        "ad.email": "E-mail address",
        "ad.password": "Password",
        "ad.login.submit": "Log in",
        "ad.cancel": "Cancel and return to {dv}",
        "ad.error.summary": "There is a problem",
        "ad.error.missing": "Enter your e-mail address and password.",
        "ad.error.credentials": "The e-mail address or the password is not correct.",
        "ad.error.locked": "Too many failed attempts. Try again in 15 minutes.",
        "ad.error.revoked": "Your eHerkenning means has been revoked and can no longer be "
        "used. Ask the administrator of your organisation for a new means.",
        "ad.error.expired": "Your eHerkenning means has expired. Ask the administrator of your "
        "organisation to renew it.",
        "ad.error.suspended": "Your eHerkenning means is temporarily blocked. Contact the "
        "administrator of your organisation.",
        "ad.error.not_active": "Your eHerkenning means is not active yet.",
        "ad.error.no_mobile": "Your means has no verified mobile number for the text-message "
        "code. Ask the administrator of your organisation to add one.",
        "ad.error.transaction": "Your login has expired or is unknown. Go back to the service "
        "and start again.",
        "ad.error.request": "The login request cannot be processed.",
        "ad.level.title": "Your means has too low a level",
        "ad.level.text": "{service} requires at least level of assurance {required}. Your "
        "eHerkenning means has level {level}.",
        "ad.level.upgrade": "Ask the administrator of your organisation for a means at a "
        "higher level, through the Makelaar Means portal. Then log in again.",
        "ad.code.title": "Enter the text-message code",
        "ad.code.sent": "We sent a code by text message to {number}. The code is valid for 5 "
        "minutes.",
        "ad.code.label": "Code (6 digits)",
        "ad.code.submit": "Confirm",
        "ad.code.resend": "Send a new code",
        "ad.code.resent": "A new code has been sent.",
        "ad.code.wrong": "The code is not correct. You have {left} attempt(s) left.",
        "ad.code.locked": "Too many attempts: this code is blocked. Ask for a new code.",
        "ad.code.expired": "The code has expired or was used already. Ask for a new code.",
        "ad.code.rate": "You cannot get a new code now. Try again in {seconds} seconds.",
        "ad.code.unavailable": "The text message could not be sent. Try again later.",
        "ad.sms.text": "Your Makelaar login code is {code}. It is valid for 5 minutes. Do not "
        "share it with anyone.",
        "ad.consent.title": "Consent for your data",
        "ad.consent.intro": "{dv} asks for the following data about you. Choose for each item "
        "whether to share it. We pass on nothing without your consent.",
        "ad.consent.share": "Share",
        "ad.consent.required": "required",
        "ad.consent.optional": "optional",
        "ad.consent.unavailable": "not available from us",
        "ad.consent.purpose": "Purpose",
        "ad.consent.submit": "Continue",
        "ad.consent.stopped": "Logging in to {dv} has stopped: consent was not given for a "
        "required item ({names}), or it is not available.",
        "ad.back": "Back to {dv}",
        "ad.logout.title": "You are logged out",
        "ad.logout.text": "You are logged out at {dv} and at {ad}.",
        "ad.logout.text_ad": "You are logged out at {ad}.",
        "ad.logout.elsewhere": "Still logged in at other services? Log out there yourself or "
        "close all windows of your browser.",
        "attr.FirstName": "First names",
        "attr.FamilyName": "Family name",
        "attr.FamilyNameInfix": "Family name prefix",
        "attr.Initials": "Initials",
        "attr.DateOfBirth": "Date of birth",
    },
}

i18n.register(TEXTS)
