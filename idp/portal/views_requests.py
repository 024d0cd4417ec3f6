"""Administrator pages for requests: one colleague by form, many by CSV upload (preview, batch
progress, idempotent re-upload), pending requests ("Lopende aanvragen") and cancel (issue 8).

Every request shows its price before it is placed: the first POST of a form shows the price
(``action=quote``), the second places it (``action=place``). The import's status page creates
the next batch of requests each time it loads while the batch is running, and asks the browser
to load it again (a ``Refresh`` header plus a link), so progress needs no JavaScript and no
background worker; ``makelaar jobs run`` finishes batches whose page was closed.
"""

from __future__ import annotations

from flask import request
from flask import url_for
from werkzeug.wrappers import Response

from idp.portal import csv_import
from idp.portal import means_requests
from idp.portal.blueprint import administrator
from idp.portal.blueprint import blueprint
from idp.portal.blueprint import ctx
from idp.portal.blueprint import done
from idp.portal.blueprint import form_page
from idp.portal.blueprint import now
from idp.portal.blueprint import organisation
from idp.portal.blueprint import page
from idp.portal.blueprint import send_mail
from idp.portal.blueprint import session_required
from idp.portal.blueprint import svc
from idp.portal.errors import Conflict
from idp.portal.errors import Invalid
from idp.portal.forms import parse_new_means
from idp.portal.models import BatchStatus
from idp.portal.tariffs import Price
from idp.portal.tariffs import means_price

#: Good rows shown in a CSV preview.
PREVIEW_ROWS = 20


@blueprint.route("/requests/new", methods=["GET", "POST"])
@administrator
def new_request() -> Response:
    template = "portal/request_new.html"
    if request.method == "GET":
        return page(template, form={"years": "3", "employee": "ja", "level": "eH3"})
    raw = {name: request.form.get(name, "")[:300] for name in (
        "given_names", "surname_prefix", "surname", "email", "mobile", "level", "years",
        "employee", "identity_confirmed")}
    try:
        item = parse_new_means(raw)
    except Invalid as exc:
        return form_page(template, exc)
    price = means_price(svc().tariffs, item.level, item.years)
    if request.form.get("action") != "place":
        return page(template, form=raw, price=price)
    session = session_required()
    org = organisation()
    try:
        with ctx().db() as db, db.begin():
            placed = means_requests.place_new_means(
                db, organisation=org, actor=session.actor, item=item, at=now(),
                tariffs=svc().tariffs, base_url=ctx().base_url)
    except Conflict as exc:
        return page(template, 409, form=raw, errors={"email": exc.key})
    send_mail(placed.mail)
    return done("portal.pending", "request_placed")


@blueprint.get("/requests")
@administrator
def pending() -> Response:
    with ctx().db() as db:
        requests = means_requests.pending(db, session_required().organisation_id)
    return page("portal/pending.html", requests=requests)


@blueprint.post("/requests/<int:request_id>/cancel")
@administrator
def cancel_request(request_id: int) -> Response:
    session = session_required()
    with ctx().db() as db, db.begin():
        means_requests.cancel(db, session.organisation_id, request_id, session.actor, now())
    return done("portal.pending", "request_cancelled")


@blueprint.route("/import", methods=["GET", "POST"])
@administrator
def upload() -> Response:
    template = "portal/import.html"
    if request.method == "GET":
        return page(template)
    file = request.files.get("file")
    data = file.read() if file is not None else b""
    if not data:
        return page(template, 400, errors={"file": "portal.csv.empty"})
    session = session_required()
    try:
        with ctx().db() as db, db.begin():
            batch, before = csv_import.create_batch(db, organisation(), data, session.actor,
                                                    now())
            batch_id = batch.id
    except Invalid as exc:
        return page(template, 400, errors=exc.errors)
    if before:
        return done("portal.import_status", "uploaded_before", batch_id=batch_id)
    return done("portal.import_status", "uploaded", batch_id=batch_id)


@blueprint.get("/import/<int:batch_id>")
@administrator
def import_status(batch_id: int) -> Response:
    session = session_required()
    services = svc()
    outgoing = []
    with ctx().db() as db, db.begin():
        batch = csv_import.batch_of(db, session.organisation_id, batch_id)
        if batch.status is BatchStatus.PROCESSING:
            outgoing = csv_import.process_step(
                db, organisation(), batch_id, at=now(), tariffs=services.tariffs,
                base_url=ctx().base_url, limit=services.batch_size)
    for mail in outgoing:
        send_mail(mail)
    with ctx().db() as db:
        batch = csv_import.batch_of(db, session.organisation_id, batch_id)
        bad = csv_import.bad_rows(db, batch_id)
        good = csv_import.good_rows(db, batch_id, PREVIEW_ROWS)
        total = (csv_import.total_price(db, batch_id, services.tariffs)
                 if batch.status is BatchStatus.PREVIEW else 0)
    response = page("portal/import_status.html", batch=batch, bad=bad, good=good, total=total,
                    sample_prices={row.id: _row_price(row.data) for row in good})
    if batch.status is BatchStatus.PROCESSING:
        response.headers["Refresh"] = f"1; url={url_for('portal.import_status', batch_id=batch_id)}"
    return response


def _row_price(data: dict[str, str]) -> Price:
    item = parse_new_means(data)
    return means_price(svc().tariffs, item.level, item.years)


@blueprint.post("/import/<int:batch_id>/start")
@administrator
def import_start(batch_id: int) -> Response:
    session = session_required()
    with ctx().db() as db, db.begin():
        csv_import.start(db, session.organisation_id, batch_id, session.actor, now())
    return done("portal.import_status", "import_started", batch_id=batch_id)


@blueprint.post("/requests/<int:request_id>/resend")
@administrator
def resend_request(request_id: int) -> Response:
    session = session_required()
    with ctx().db() as db, db.begin():
        mail = means_requests.resend(db, session.organisation_id, request_id, session.actor,
                                     now(), ctx().base_url)
    send_mail(mail)
    return done("portal.pending", "request_resent")
