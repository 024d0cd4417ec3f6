"""The texts of the e-mails the portal sends, Dutch first and English below (the recipient's
language is not known when an administrator acts for them).

Each function returns an :class:`Outgoing` value; the web layer gives it a reference and hands
it to the mail gateway after the database transaction committed, so a rolled-back change never
mails a link that does not work.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outgoing:
    #: Personal data: never log.
    to: str
    subject: str
    body: str


_FOOTER = (
    "\n\n-- \nMakelaar Middelen. Dit bericht is automatisch verstuurd; u kunt er niet op "
    "antwoorden.\nThis message was sent automatically; replies are not read.\n"
)


def _both(to: str, subject_nl: str, subject_en: str, nl: str, en: str) -> Outgoing:
    return Outgoing(to, f"{subject_nl} / {subject_en}", f"{nl}\n\n---\n\n{en}{_FOOTER}")


def activation(to: str, organisation: str, level: str, link: str, days: int) -> Outgoing:
    return _both(
        to,
        "Activeer uw eHerkenningsmiddel",
        "Activate your eHerkenning means",
        f"{organisation} heeft een eHerkenningsmiddel op niveau {level} voor u aangevraagd.\n"
        f"Open deze link om uw e-mailadres te bevestigen; daarna ontvangt u een sms-code en "
        f"kiest u een wachtwoord. De link werkt één keer en {days} dagen lang:\n{link}",
        f"{organisation} requested an eHerkenning means at level {level} for you.\n"
        f"Open this link to confirm your e-mail address; then you receive a text message code "
        f"and choose a password. The link works once, for {days} days:\n{link}",
    )


def activated(to: str, organisation: str, level: str) -> Outgoing:
    return _both(
        to,
        "Uw eHerkenningsmiddel is actief",
        "Your eHerkenning means is active",
        f"Uw eHerkenningsmiddel ({level}) voor {organisation} is actief. U kunt er nu mee "
        "inloggen.",
        f"Your eHerkenning means ({level}) for {organisation} is active. You can log in with "
        "it now.",
    )


def awaiting_validation(to: str, organisation: str, level: str) -> Outgoing:
    return _both(
        to,
        "Uw identiteitsbewijs wordt gecontroleerd",
        "Your identity document is being checked",
        f"Uw eHerkenningsmiddel ({level}) voor {organisation} wordt actief zodra wij uw "
        "identiteitsbewijs hebben gecontroleerd. U krijgt daarover bericht.",
        f"Your eHerkenning means ({level}) for {organisation} becomes active once we have "
        "checked your identity document. We will let you know.",
    )


def rejected(to: str, organisation: str) -> Outgoing:
    return _both(
        to,
        "Uw aanvraag is afgewezen",
        "Your request was rejected",
        f"De aanvraag van een eHerkenningsmiddel voor {organisation} is afgewezen: het "
        "identiteitsbewijs kon niet worden gevalideerd. Neem contact op met uw beheerder.",
        f"The request for an eHerkenning means for {organisation} was rejected: the identity "
        "document could not be validated. Please contact your administrator.",
    )


def upgraded(to: str, organisation: str, level: str) -> Outgoing:
    return _both(
        to,
        "Uw eHerkenningsmiddel is opgewaardeerd",
        "Your eHerkenning means was upgraded",
        f"Uw eHerkenningsmiddel voor {organisation} heeft nu niveau {level}.",
        f"Your eHerkenning means for {organisation} now has level {level}.",
    )


def email_change(to: str, link: str) -> Outgoing:
    return _both(
        to,
        "Bevestig uw nieuwe e-mailadres",
        "Confirm your new e-mail address",
        f"Uw beheerder heeft dit e-mailadres voor uw eHerkenningsmiddel opgegeven. Bevestig het "
        f"met deze link (één keer te gebruiken, 24 uur geldig):\n{link}",
        f"Your administrator entered this e-mail address for your eHerkenning means. Confirm "
        f"it with this link (works once, for 24 hours):\n{link}",
    )


def mobile_change(to: str, link: str) -> Outgoing:
    return _both(
        to,
        "Bevestig uw nieuwe mobiele nummer",
        "Confirm your new mobile number",
        "Uw beheerder heeft een nieuw mobiel nummer voor uw eHerkenningsmiddel opgegeven. Open "
        f"deze link; u ontvangt dan een sms-code op het nieuwe nummer:\n{link}",
        "Your administrator entered a new mobile number for your eHerkenning means. Open this "
        f"link; you then receive a text message code on the new number:\n{link}",
    )


def password_reset(to: str, link: str) -> Outgoing:
    return _both(
        to,
        "Nieuw wachtwoord instellen",
        "Set a new password",
        "Met deze link stelt u een nieuw wachtwoord in (één keer te gebruiken, één uur "
        f"geldig). Heeft u dit niet gevraagd? Dan kunt u dit bericht negeren.\n{link}",
        "Use this link to set a new password (works once, for one hour). Did you not ask for "
        f"this? Then you can ignore this message.\n{link}",
    )


def renewal_reminder(to: str, what_nl: str, what_en: str, until: str, link: str) -> Outgoing:
    return _both(
        to,
        "Verlengen: loopt binnen 60 dagen af",
        "Renewal: expires within 60 days",
        f"{what_nl} is geldig tot {until}. Verleng op tijd met dit vooraf ingevulde formulier "
        f"(inloggen als beheerder):\n{link}",
        f"{what_en} is valid until {until}. Renew in time with this pre-filled form (log in as "
        f"administrator):\n{link}",
    )


def case_outcome(to: str, kind: str, approved: bool) -> Outgoing:
    what_nl = {"company_data": "wijziging van bedrijfsgegevens",
               "revoke_left": "intrekking van een middel"}[kind]
    what_en = {"company_data": "change of company data",
               "revoke_left": "revocation of a means"}[kind]
    outcome_nl = "uitgevoerd" if approved else "afgewezen"
    outcome_en = "carried out" if approved else "rejected"
    return _both(
        to,
        f"Uw verzoek is {outcome_nl}",
        f"Your request was {outcome_en}",
        f"Uw verzoek ({what_nl}) is {outcome_nl} door onze medewerker.",
        f"Your request ({what_en}) was {outcome_en} by our operator.",
    )
