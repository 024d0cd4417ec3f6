"""Texts of the portal's pages: titles, navigation, labels, hints and columns (nl, en)."""

from __future__ import annotations

PAGES: dict[str, tuple[str, str]] = {
    "portal.name": ("Makelaar Middelen – portaal", "Makelaar Means – portal"),
    "portal.back_home": ("Terug naar het portaal", "Back to the portal"),
    "portal.yes": ("Ja", "Yes"),
    "portal.no": ("Nee", "No"),
    "portal.choose": ("Kies…", "Choose…"),
    "portal.years": ("{years} jaar", "{years} year(s)"),
    "portal.newer": ("Nieuwere", "Newer"),
    "portal.older": ("Oudere", "Older"),
    "portal.errors.title": ("Er is een probleem", "There is a problem"),
    # navigation
    "portal.nav.label": ("Portaal", "Portal"),
    "portal.nav.home": ("Start", "Home"),
    "portal.nav.me": ("Mijn middel", "My means"),
    "portal.nav.new_request": ("Middel aanvragen", "Request a means"),
    "portal.nav.import": ("Bestand importeren", "Import a file"),
    "portal.nav.pending": ("Lopende aanvragen", "Pending requests"),
    "portal.nav.means": ("Middelen", "Means"),
    "portal.nav.mandates": ("Machtigingen", "Mandates"),
    "portal.nav.chains": ("Ketenmachtigingen", "Chain mandates"),
    "portal.nav.audit": ("Audittrail", "Audit trail"),
    "portal.nav.logins": ("Inloggeschiedenis", "Login history"),
    "portal.nav.orders": ("Bestellingen", "Orders"),
    "portal.nav.company": ("Bedrijfsgegevens", "Company data"),
    "portal.nav.operator": ("Operator", "Operator"),
    "portal.nav.logout": ("Uitloggen", "Log out"),
    # home and login
    "portal.home.title": ("Portaal eHerkenningsmiddelen", "eHerkenning means portal"),
    "portal.home.intro": (
        "Beheerders vragen hier middelen en machtigingen aan voor hun organisatie; gebruikers "
        "beheren hun eigen middel.",
        "Administrators request means and mandates for their organisation here; users manage "
        "their own means."),
    "portal.home.signed_in": ("U bent ingelogd met een middel op niveau {level}.",
                              "You are logged in with a means at level {level}."),
    "portal.home.no_admin": (
        "Beheren kan alleen als beheerder van uw organisatie, ingelogd met een middel op eH3 "
        "of hoger.",
        "Administration needs the administrator role of your organisation and a means at eH3 "
        "or higher."),
    "portal.login.title": ("Inloggen", "Log in"),
    "portal.login.intro": (
        "Log in met uw eigen eHerkenningsmiddel: e-mailadres, wachtwoord en vanaf eH2+ een "
        "sms-code. Voor beheer is eH3 of hoger nodig.",
        "Log in with your own eHerkenning means: e-mail address, password and from eH2+ a text "
        "message code. Administration needs eH3 or higher."),
    "portal.login.submit": ("Inloggen", "Log in"),
    "portal.code.title": ("Sms-code", "Text message code"),
    "portal.code.intro": ("Vul de code in die wij naar {number} hebben gestuurd.",
                          "Enter the code we sent to {number}."),
    "portal.code.hint": ("Zes cijfers, vijf minuten geldig.",
                         "Six digits, valid for five minutes."),
    "portal.code.submit": ("Bevestigen", "Confirm"),
    "portal.code.resend": ("Nieuwe code sturen", "Send a new code"),
    "portal.code.left": ("U kunt het nog {left} keer proberen.", "You have {left} tries left."),
    "portal.code.notice.sent": ("De code is verstuurd.", "The code was sent."),
    "portal.code.notice.rate": ("Er zijn te veel codes gevraagd. Wacht even en probeer het "
                                "opnieuw.", "Too many codes were requested. Wait a while and "
                                "try again."),
    "portal.code.notice.unavailable": ("De sms kon niet worden verstuurd. Probeer het later "
                                       "opnieuw.", "The text message could not be sent. Try "
                                       "again later."),
    # form fields
    "portal.field.label.given_names": ("Voornamen", "Given names"),
    "portal.field.label.surname_prefix": ("Tussenvoegsel", "Surname prefix"),
    "portal.field.label.surname": ("Achternaam", "Surname"),
    "portal.field.label.email": ("E-mailadres", "E-mail address"),
    "portal.field.label.new_email": ("Nieuw e-mailadres", "New e-mail address"),
    "portal.field.label.mobile": ("Mobiel nummer", "Mobile number"),
    "portal.field.label.new_mobile": ("Nieuw mobiel nummer", "New mobile number"),
    "portal.field.label.password": ("Wachtwoord", "Password"),
    "portal.field.label.current_password": ("Huidig wachtwoord", "Current password"),
    "portal.field.label.new_password": ("Nieuw wachtwoord", "New password"),
    "portal.field.label.repeat": ("Herhaal het nieuwe wachtwoord", "Repeat the new password"),
    "portal.field.label.code": ("Code", "Code"),
    "portal.field.label.level": ("Betrouwbaarheidsniveau", "Level of assurance"),
    "portal.field.label.years": ("Geldigheid", "Validity"),
    "portal.field.label.mandate_years": ("Geldigheid van de machtiging",
                                         "Validity of the mandate"),
    "portal.field.label.employee": ("Is deze persoon in dienst van uw organisatie?",
                                    "Is this person employed by your organisation?"),
    "portal.field.label.identity_confirmed": (
        "Ik heb het identiteitsbewijs van deze medewerker gecontroleerd",
        "I have checked this employee's identity document"),
    "portal.field.label.person": ("Persoon", "Person"),
    "portal.field.label.services": ("Diensten", "Services"),
    "portal.field.label.branch": ("Vestiging", "Branch"),
    "portal.field.label.direction": ("Wie machtigt wie?", "Who authorises whom?"),
    "portal.field.label.kvk": ("KvK-nummer", "KvK number"),
    "portal.field.label.bsn": ("BSN (alleen eenmanszaak als klant)",
                               "BSN (sole proprietorship client only)"),
    "portal.field.label.org_name": ("Naam van de organisatie", "Name of the organisation"),
    "portal.field.label.legal_form": ("Rechtsvorm", "Legal form"),
    "portal.field.label.trade_name": ("Nieuwe handelsnaam", "New trade name"),
    "portal.field.label.address": ("Nieuw adres", "New address"),
    "portal.field.label.holder_email": ("E-mailadres van de vertrokken houder",
                                        "E-mail address of the holder who left"),
    "portal.field.label.reply_to": ("Uw e-mailadres voor de uitkomst",
                                    "Your e-mail address for the outcome"),
    "portal.field.hint.mobile": ("Een Nederlands 06-nummer, bijvoorbeeld 06 12345678.",
                                 "A Dutch mobile number, for example 06 12345678."),
    "portal.field.hint.level": (
        "eH3 vraagt een controle van het identiteitsbewijs; eH4 altijd door onze operator.",
        "eH3 needs an identity document check; eH4 always by our operator."),
    "portal.field.hint.employee": (
        "Niet-medewerkers wachten vanaf eH3 op controle van hun identiteitsbewijs door onze "
        "operator.",
        "From eH3, non-employees wait for our operator to check their identity document."),
    "portal.field.hint.identity_confirmed": (
        "Alleen voor medewerkers: dan wordt een eH3-middel direct na activering actief.",
        "Employees only: an eH3 means then becomes active right after activation."),
    "portal.field.hint.bsn": ("Het BSN wordt alleen opgeslagen, nooit getoond.",
                              "The BSN is only stored, never shown."),
    "portal.field.hint.org_name": ("Nodig als de organisatie nog niet bij ons bekend is.",
                                   "Needed when we do not know the organisation yet."),
    "portal.field.hint.password": (
        "Minstens 12 tekens. Een lange zin is sterk en goed te onthouden.",
        "At least 12 characters. A long sentence is strong and easy to remember."),
    # columns
    "portal.col.name": ("Naam", "Name"),
    "portal.col.email": ("E-mailadres", "E-mail address"),
    "portal.col.kind": ("Soort", "Kind"),
    "portal.col.level": ("Niveau", "Level"),
    "portal.col.status": ("Status", "Status"),
    "portal.col.placed": ("Geplaatst", "Placed"),
    "portal.col.actions": ("Acties", "Actions"),
    "portal.col.line": ("Regel", "Line"),
    "portal.col.problems": ("Problemen", "Problems"),
    "portal.col.years": ("Jaren", "Years"),
    "portal.col.price": ("Prijs", "Price"),
    "portal.col.valid_from": ("Geldig vanaf", "Valid from"),
    "portal.col.valid_until": ("Geldig tot", "Valid until"),
    "portal.col.mobile": ("Mobiel nummer", "Mobile number"),
    "portal.col.employee": ("Medewerker", "Employee"),
    "portal.col.services": ("Diensten", "Services"),
    "portal.col.branch": ("Vestiging", "Branch"),
    "portal.col.party": ("Organisatie", "Organisation"),
    "portal.col.intermediary": ("Intermediair", "Intermediary"),
    "portal.col.organisation": ("Organisatie", "Organisation"),
    "portal.col.when": ("Wanneer", "When"),
    "portal.col.who": ("Wie", "Who"),
    "portal.col.what": ("Wat", "What"),
    "portal.col.object": ("Object", "Object"),
    "portal.col.details": ("Details", "Details"),
    "portal.col.item": ("Onderdeel", "Item"),
    # requests
    "portal.request.title": ("Middel aanvragen voor een collega",
                             "Request a means for a colleague"),
    "portal.request.intro": (
        "De collega krijgt een e-mail met een link, daarna een sms-code, en kiest zelf een "
        "wachtwoord.",
        "Your colleague receives an e-mail with a link, then a text message code, and chooses "
        "a password."),
    "portal.request.person": ("Gegevens van de collega", "Your colleague's details"),
    "portal.request.quote": ("Bekijk de prijs", "Show the price"),
    "portal.request.requote": ("Prijs opnieuw berekenen", "Recalculate the price"),
    "portal.request.place": ("Aanvraag plaatsen", "Place the request"),
    "portal.pending.title": ("Lopende aanvragen", "Pending requests"),
    "portal.pending.caption": ("{count} lopende aanvragen", "{count} pending requests"),
    "portal.pending.none": ("Er zijn geen lopende aanvragen.", "There are no pending requests."),
    "portal.pending.cancel": ("Annuleren", "Cancel"),
    "portal.pending.cancel_for": ("Aanvraag {id} annuleren", "Cancel request {id}"),
    "portal.pending.resend": ("Link opnieuw sturen", "Send the link again"),
    "portal.pending.resend_for": ("Link van aanvraag {id} opnieuw sturen",
                                  "Send the link of request {id} again"),
    "portal.kind.new": ("Nieuw middel", "New means"),
    "portal.kind.upgrade": ("Opwaardering", "Upgrade"),
    "portal.status.awaiting_email": ("Wacht op bevestiging e-mailadres",
                                     "Waiting for e-mail confirmation"),
    "portal.status.awaiting_code": ("Wacht op sms-code", "Waiting for the text message code"),
    "portal.status.awaiting_password": ("Wacht op wachtwoord", "Waiting for a password"),
    "portal.status.awaiting_validation": ("Wacht op controle identiteitsbewijs",
                                          "Waiting for the identity document check"),
    "portal.status.completed": ("Afgerond", "Completed"),
    "portal.status.cancelled": ("Geannuleerd", "Cancelled"),
    "portal.status.rejected": ("Afgewezen", "Rejected"),
    # import
    "portal.import.title": ("Middelen aanvragen met een bestand",
                            "Request means with a file"),
    "portal.import.intro": (
        "Upload een CSV-bestand (puntkomma of komma gescheiden) met één collega per regel. U "
        "ziet eerst een voorbeeld met de prijs; er wordt pas iets aangevraagd als u start.",
        "Upload a CSV file (semicolon or comma separated) with one colleague per line. You see "
        "a preview with the price first; nothing is requested until you start."),
    "portal.import.columns": ("Kolommen (Nederlands of Engels), bijvoorbeeld:",
                              "Columns (Dutch or English), for example:"),
    "portal.import.file": ("CSV-bestand", "CSV file"),
    "portal.import.submit": ("Uploaden en controleren", "Upload and check"),
    "portal.import.status_title": ("Import", "Import"),
    "portal.import.state.preview": ("Controleer het voorbeeld en start de aanvragen.",
                                    "Check the preview and start the requests."),
    "portal.import.state.processing": ("De aanvragen worden geplaatst. Deze pagina ververst "
                                       "vanzelf.", "The requests are being placed. This page "
                                       "refreshes by itself."),
    "portal.import.state.done": ("Klaar: de aanvragen zijn geplaatst.",
                                 "Done: the requests were placed."),
    "portal.import.total": ("Regels in het bestand", "Lines in the file"),
    "portal.import.valid": ("Goede regels", "Good lines"),
    "portal.import.invalid": ("Regels met een probleem", "Lines with a problem"),
    "portal.import.created": ("Aanvragen geplaatst", "Requests placed"),
    "portal.import.progress": ("Voortgang: {done} van {total}", "Progress: {done} of {total}"),
    "portal.import.reload": ("Ververs de voortgang", "Refresh the progress"),
    "portal.import.bad_title": ("Regels die niet worden aangevraagd",
                                "Lines that will not be requested"),
    "portal.import.good_title": ("Voorbeeld: {shown} van {total} goede regels",
                                 "Preview: {shown} of {total} good lines"),
    "portal.import.total_price": ("Totaal voor {count} aanvragen:",
                                  "Total for {count} requests:"),
    "portal.import.start": ("Start {count} aanvragen", "Start {count} requests"),
    # means
    "portal.means.title": ("Middelen van uw organisatie", "Your organisation's means"),
    "portal.means.none": ("Er zijn nog geen middelen.", "There are no means yet."),
    "portal.means.detail": ("Middel", "Means"),
    "portal.means.actions": ("Wijzigen", "Change"),
    "portal.means.upgrade": ("Niveau verhogen", "Upgrade the level"),
    "portal.means.renew": ("Verlengen", "Renew"),
    "portal.means.change_email": ("E-mailadres wijzigen", "Change the e-mail address"),
    "portal.means.change_mobile": ("Mobiel nummer wijzigen", "Change the mobile number"),
    "portal.means.revoke": ("Middel opzeggen", "Revoke the means"),
    "portal.means.confirm_label": ("Ja, zeg dit middel op; de houder kan er niet meer mee "
                                   "inloggen", "Yes, revoke this means; its holder can no "
                                   "longer log in with it"),
    "portal.means.mobile_verified": ("Geverifieerd", "Verified"),
    "portal.means.mobile_none": ("Geen geverifieerd nummer", "No verified number"),
    "portal.means_status.requested": ("Aangevraagd", "Requested"),
    "portal.means_status.active": ("Actief", "Active"),
    "portal.means_status.suspended": ("Geschorst", "Suspended"),
    "portal.means_status.revoked": ("Opgezegd", "Revoked"),
    "portal.means_status.expired": ("Verlopen", "Expired"),
    "portal.upgrade.title": ("Niveau verhogen", "Upgrade the level"),
    "portal.upgrade.current": ("{name} heeft nu een middel op niveau {level}.",
                               "{name} now has a means at level {level}."),
    "portal.upgrade.rules": (
        "Vanaf eH2+ is een geverifieerd mobiel nummer nodig. eH3 is direct actief voor een "
        "medewerker van wie u het identiteitsbewijs hebt gecontroleerd; anders, en voor eH4 "
        "altijd, controleert onze operator het identiteitsbewijs eerst.",
        "From eH2+ a verified mobile number is needed. eH3 is active at once for an employee "
        "whose identity document you checked; otherwise, and always for eH4, our operator "
        "checks the identity document first."),
    "portal.upgrade.target": ("Nieuw niveau", "New level"),
    "portal.upgrade.place": ("Opwaardering bestellen", "Order the upgrade"),
    "portal.renew.title": ("Middel verlengen", "Renew the means"),
    "portal.renew.intro": ("Het middel ({level}) van {name} is geldig tot {until}. De nieuwe "
                           "periode gaat in op het moment van verlengen.",
                           "The means ({level}) of {name} is valid until {until}. The new "
                           "period starts when you renew."),
    "portal.renew.mandate_intro": ("De machtiging ({level}) van {name} is geldig tot {until}.",
                                   "The mandate ({level}) of {name} is valid until {until}."),
    "portal.renew.place": ("Verlengen", "Renew"),
    "portal.contact.email.title": ("E-mailadres wijzigen", "Change the e-mail address"),
    "portal.contact.email.intro": (
        "Het nieuwe adres van {name} gaat pas in als de houder de link bevestigt die wij "
        "daarheen sturen.",
        "The new address of {name} takes effect only when its holder confirms the link we send "
        "there."),
    "portal.contact.mobile.title": ("Mobiel nummer wijzigen", "Change the mobile number"),
    "portal.contact.mobile.intro": (
        "{name} krijgt een e-mail met een link en bevestigt het nieuwe nummer daarna met een "
        "sms-code.",
        "{name} receives an e-mail with a link and then confirms the new number with a text "
        "message code."),
    "portal.contact.submit": ("Verificatie starten", "Start the verification"),
    # mandates
    "portal.mandates.title": ("Machtigingen", "Mandates"),
    "portal.mandates.add": ("Machtiging toevoegen", "Add a mandate"),
    "portal.mandates.none": ("Er zijn geen machtigingen.", "There are no mandates."),
    "portal.mandates.whole": ("Hele organisatie", "Whole organisation"),
    "portal.mandates.place": ("Machtiging bestellen", "Order the mandate"),
    "portal.mandates.renew": ("Verlengen", "Renew"),
    "portal.mandates.revoke": ("Intrekken", "Revoke"),
    "portal.mandates.revoke_for": ("Machtiging {id} intrekken", "Revoke mandate {id}"),
    "portal.mandate_status.active": ("Actief", "Active"),
    "portal.mandate_status.revoked": ("Ingetrokken", "Revoked"),
    "portal.chains.title": ("Ketenmachtigingen", "Chain mandates"),
    "portal.chains.intro": (
        "Een klant machtigt een intermediair (bijvoorbeeld een administratiekantoor) om "
        "namens de klant diensten af te nemen.",
        "A client authorises an intermediary (an accountancy firm, for example) to use "
        "services on the client's behalf."),
    "portal.chains.add": ("Ketenmachtiging registreren", "Register a chain mandate"),
    "portal.chains.register": ("Registreren", "Register"),
    "portal.chains.given": ("Door ons gegeven (wij zijn de klant)",
                            "Given by us (we are the client)"),
    "portal.chains.received": ("Aan ons gegeven (wij zijn de intermediair)",
                               "Given to us (we are the intermediary)"),
    "portal.chains.given_caption": ("Intermediairs die wij machtigen",
                                    "Intermediaries we authorise"),
    "portal.chains.received_caption": ("Klanten die ons machtigen", "Clients who authorise us"),
    "portal.chains.none": ("Geen ketenmachtigingen.", "No chain mandates."),
    "portal.chains.by_bsn": ("eenmanszaak, op BSN", "sole proprietorship, by BSN"),
    "portal.chains.approve": ("Goedkeuren", "Approve"),
    "portal.chains.reject": ("Afwijzen", "Reject"),
    "portal.chains.revoke": ("Intrekken", "Revoke"),
    "portal.chains.other": ("De andere organisatie", "The other organisation"),
    "portal.chains.direction.give": ("Wij (klant) machtigen een intermediair",
                                     "We (client) authorise an intermediary"),
    "portal.chains.direction.receive": (
        "Wij (intermediair) registreren een machtiging van een klant; de klant keurt goed",
        "We (intermediary) register a client's authorisation; the client approves it"),
    "portal.chain_status.pending": ("In afwachting", "Pending"),
    "portal.chain_status.active": ("Actief", "Active"),
    "portal.chain_status.expired": ("Verlopen", "Expired"),
    "portal.chain_status.revoked": ("Ingetrokken", "Revoked"),
    "portal.chain_status.rejected": ("Afgewezen", "Rejected"),
    "portal.legal.eenmanszaak": ("Eenmanszaak", "Sole proprietorship"),
    "portal.legal.stichting": ("Stichting", "Foundation"),
    "portal.legal.vereniging": ("Vereniging", "Association"),
    "portal.legal.overig": ("Overig", "Other"),
    # audit, orders, company
    "portal.audit.title": ("Audittrail van uw organisatie", "Your organisation's audit trail"),
    "portal.audit.intro": ("Wie deed wat en wanneer, nieuwste eerst.",
                           "Who did what and when, newest first."),
    "portal.audit.none": ("Nog geen gebeurtenissen.", "No events yet."),
    "portal.logins.title": ("Inloggeschiedenis", "Login history"),
    "portal.logins.intro": ("Inlogpogingen met de middelen van uw organisatie, nieuwste eerst.",
                            "Login attempts with your organisation's means, newest first."),
    "portal.orders.title": ("Bestellingen", "Orders"),
    "portal.orders.none": ("Nog geen bestellingen.", "No orders yet."),
    "portal.order.means": ("Middel", "Means"),
    "portal.order.upgrade": ("Opwaardering", "Upgrade"),
    "portal.order.renewal": ("Verlenging", "Renewal"),
    "portal.order.mandate": ("Extra machtiging", "Extra mandate"),
    "portal.order.data_change": ("Wijziging bedrijfsgegevens", "Change of company data"),
    "portal.company.title": ("Bedrijfsgegevens wijzigen", "Change company data"),
    "portal.company.intro": (
        "Een wijziging van de geregistreerde gegevens van {name} wordt door onze operator "
        "verwerkt; u krijgt de uitkomst per e-mail.",
        "A change of the registered data of {name} is handled by our operator; you receive "
        "the outcome by e-mail."),
    "portal.company.submit": ("Wijziging aanvragen", "Request the change"),
    "portal.price.title": ("Prijs", "Price"),
    "portal.price.total": ("Totaal", "Total"),
    "portal.price.note": ("Bedragen exclusief btw, gefactureerd in één keer voor de hele "
                          "looptijd.", "Amounts exclude VAT, invoiced at once for the whole "
                          "validity."),
    "portal.price.means": ("Middel {level}, {years} jaar", "Means {level}, {years} year(s)"),
    "portal.price.identification": ("Identificatie {level} (eenmalig)",
                                    "Identification {level} (once)"),
    "portal.price.upgrade": ("Verschil naar {level}, {years} jaar",
                             "Difference to {level}, {years} year(s)"),
    "portal.price.renewal": ("Verlenging {level}, {years} jaar",
                             "Renewal {level}, {years} year(s)"),
    "portal.price.mandate": ("Extra machtiging {level}, {years} jaar",
                             "Extra mandate {level}, {years} year(s)"),
    "portal.price.data_change": ("Wijziging bedrijfsgegevens", "Change of company data"),
    # public pages
    "portal.link.activate.title": ("Uw eHerkenningsmiddel activeren",
                                   "Activate your eHerkenning means"),
    "portal.link.activate.intro": (
        "Ga verder om uw e-mailadres te bevestigen. Daarna sturen wij een sms-code.",
        "Continue to confirm your e-mail address. We then send a text message code."),
    "portal.link.email_change.title": ("Nieuw e-mailadres bevestigen",
                                       "Confirm your new e-mail address"),
    "portal.link.email_change.intro": ("Ga verder om dit adres voor uw middel te gebruiken.",
                                       "Continue to use this address for your means."),
    "portal.link.mobile_change.title": ("Nieuw mobiel nummer bevestigen",
                                        "Confirm your new mobile number"),
    "portal.link.mobile_change.intro": ("Ga verder; wij sturen een code naar het nieuwe nummer.",
                                        "Continue; we send a code to the new number."),
    "portal.link.password_reset.title": ("Nieuw wachtwoord instellen", "Set a new password"),
    "portal.link.password_reset.intro": (
        "Ga verder. Heeft uw middel een mobiel nummer, dan sturen wij eerst een sms-code.",
        "Continue. If your means has a mobile number, we first send a text message code."),
    "portal.password.title": ("Kies uw wachtwoord", "Choose your password"),
    "portal.password.rules": (
        "Minstens 12 tekens en geen veelgebruikt wachtwoord (zoals Welkom2024!).",
        "At least 12 characters and not a common password (such as Welcome2024!)."),
    "portal.password.submit": ("Wachtwoord opslaan", "Save the password"),
    "portal.activate.active": ("Uw middel is actief", "Your means is active"),
    "portal.activate.active_intro": ("U kunt nu inloggen bij diensten die eHerkenning "
                                     "gebruiken.", "You can now log in to services that use "
                                     "eHerkenning."),
    "portal.activate.waiting": ("Bijna klaar", "Almost done"),
    "portal.activate.waiting_intro": (
        "Uw middel wordt actief zodra onze operator uw identiteitsbewijs heeft gecontroleerd. U "
        "krijgt daarover een e-mail.",
        "Your means becomes active once our operator has checked your identity document. You "
        "will receive an e-mail."),
    "portal.reset.title": ("Wachtwoord vergeten", "Forgot your password"),
    "portal.reset.intro": ("Vul uw e-mailadres in; wij sturen een link om een nieuw wachtwoord "
                           "in te stellen.", "Enter your e-mail address; we send a link to set "
                           "a new password."),
    "portal.reset.submit": ("Link sturen", "Send the link"),
    "portal.left.title": ("Middel intrekken van iemand die is vertrokken",
                          "Revoke the means of someone who left"),
    "portal.left.intro": (
        "Kan de houder niet meer inloggen en is er geen beheerder meer? Onze operator "
        "controleert uw verzoek en mailt u de uitkomst.",
        "Can the holder no longer log in and is there no administrator left? Our operator "
        "checks your request and mails you the outcome."),
    "portal.left.submit": ("Verzoek versturen", "Send the request"),
    # self-service
    "portal.me.title": ("Mijn eHerkenningsmiddel", "My eHerkenning means"),
    "portal.me.means": ("Middelen", "Means"),
    "portal.me.mandates": ("Machtigingen", "Mandates"),
    "portal.me.until": ("geldig tot {until}", "valid until {until}"),
    "portal.me.settings": ("Instellingen", "Settings"),
    "portal.me.password": ("Wachtwoord wijzigen", "Change your password"),
    "portal.me.mobile": ("Mobiel nummer wijzigen", "Change your mobile number"),
    "portal.me.mobile_intro": ("Wij sturen een code naar het nieuwe nummer; het gaat pas in als "
                               "u die invult.", "We send a code to the new number; it takes "
                               "effect once you enter it."),
    # operator
    "portal.operator.title": ("Operator", "Operator"),
    "portal.operator.validations": ("Identiteitsbewijzen te controleren",
                                    "Identity documents to check"),
    "portal.operator.cases": ("Verzoeken", "Requests"),
    "portal.operator.chains": ("Ketenmachtigingen van klanten zonder beheerder",
                               "Chain mandates of clients without an administrator"),
    "portal.operator.none": ("Niets te doen.", "Nothing to do."),
    "portal.operator.approve": ("Goedkeuren", "Approve"),
    "portal.operator.reject": ("Afwijzen", "Reject"),
    "portal.case.company_data": ("Wijziging bedrijfsgegevens", "Change of company data"),
    "portal.case.revoke_left": ("Intrekking na vertrek", "Revocation after leaving"),
    "portal.case.field.trade_name": ("Handelsnaam", "Trade name"),
    "portal.case.field.company_address": ("Adres", "Address"),
    "portal.case.field.holder": ("Houder", "Holder"),
}
