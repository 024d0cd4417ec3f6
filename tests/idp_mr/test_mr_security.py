"""Queries and AD assertions the register must refuse (spec §4.3, §4.7; DESIGN §5)."""

from __future__ import annotations

from flask import Flask
from lxml import etree
from sqlalchemy import select

from etoegang.messages.status import StatusCode
from etoegang.messages.status import SubStatusCode
from idp.app import context_of
from idp.db.models import Person
from makelaar.network import DEMO_SERVICES
from makelaar.network import HM_ENTITY
from makelaar.network import MR2_ENTITY
from tests.idp_mr.harness import IDP
from tests.idp_mr.harness import Answer
from tests.idp_mr.harness import FakeHm

GRANT = DEMO_SERVICES[0]
ANNA = "anna@goudenkorst.example"


def _anna(app: Flask) -> str:
    with context_of(app).db() as db:
        return str(db.scalars(select(Person.pseudonym).where(Person.email == ANNA)).one())


def _send(
    app: Flask, hm: FakeHm, ad: etree._Element, destination: str | None = None
) -> Answer | int:
    artifact = hm.query_artifact(ad, service_id=GRANT.service_id, service_uuid=GRANT.service_uuid,
                                 level=GRANT.loa, destination=destination)
    page = app.test_client().get("/mr/sso", query_string={"SAMLart": artifact})
    if page.status_code != 303:
        return page.status_code
    return hm.answer(app, page.headers["Location"])


def _refused(answer: Answer | int) -> None:
    assert isinstance(answer, Answer)
    assert answer.statement is None and answer.assertion is None
    assert answer.response.status.top is StatusCode.REQUESTER
    assert answer.response.status.second is SubStatusCode.REQUEST_UNSUPPORTED


def test_ad_assertion_signed_by_another_key_is_refused(app: Flask, hm: FakeHm) -> None:
    forged = hm.ad_assertion(_anna(app), GRANT.service_uuid, key=hm.rings["eb"].signing)
    answer = _send(app, hm, forged)
    _refused(answer)
    assert isinstance(answer, Answer) and answer.response.status.message is not None
    assert "does not verify" in answer.response.status.message


def test_ad_assertion_signed_with_the_hm_key_is_refused(app: Flask, hm: FakeHm) -> None:
    _refused(_send(app, hm, hm.ad_assertion(_anna(app), GRANT.service_uuid,
                                            key=hm.rings["hm"].signing)))


def test_unsigned_ad_assertion_is_refused(app: Flask, hm: FakeHm) -> None:
    answer = _send(app, hm, hm.ad_assertion(_anna(app), GRANT.service_uuid, signed=False))
    _refused(answer)


def test_reused_ad_assertion_is_refused(app: Flask, hm: FakeHm) -> None:
    ad = hm.ad_assertion(_anna(app), GRANT.service_uuid)
    first = _send(app, hm, ad)
    assert isinstance(first, Answer) and first.statement is not None
    _refused(_send(app, hm, ad))


def test_ad_assertion_for_another_register_is_refused(app: Flask, hm: FakeHm) -> None:
    _refused(_send(app, hm, hm.ad_assertion(_anna(app), GRANT.service_uuid,
                                            registry=MR2_ENTITY)))


def test_ad_assertion_without_us_as_audience_is_refused(app: Flask, hm: FakeHm) -> None:
    from makelaar.network import DV_ENTITY

    _refused(_send(app, hm, hm.ad_assertion(_anna(app), GRANT.service_uuid,
                                            audiences=(HM_ENTITY, DV_ENTITY))))


def test_expired_ad_assertion_is_refused(app: Flask, hm: FakeHm) -> None:
    from datetime import timedelta

    ad = hm.ad_assertion(_anna(app), GRANT.service_uuid)
    hm.clock.move_to(hm.clock.now() + timedelta(minutes=11))
    _refused(_send(app, hm, ad))


def test_query_to_another_destination_ends_on_an_error_page(app: Flask, hm: FakeHm) -> None:
    ad = hm.ad_assertion(_anna(app), GRANT.service_uuid)
    assert _send(app, hm, ad, destination=f"{IDP}/elsewhere/sso") == 400


def test_replayed_query_artifact_ends_on_an_error_page(app: Flask, hm: FakeHm) -> None:
    ad = hm.ad_assertion(_anna(app), GRANT.service_uuid)
    artifact = hm.query_artifact(ad, service_id=GRANT.service_id,
                                 service_uuid=GRANT.service_uuid, level=GRANT.loa)
    client = app.test_client()
    assert client.get("/mr/sso", query_string={"SAMLart": artifact}).status_code == 303
    page = client.get("/mr/sso", query_string={"SAMLart": artifact})
    assert page.status_code == 400
    assert "kon niet worden gecontroleerd" in page.get_data(as_text=True)
    assert "Location" not in page.headers


def test_missing_artifact_and_long_relay_state_end_on_an_error_page(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/mr/sso").status_code == 400
    assert client.get("/mr/sso", query_string={"SAMLart": "AAQA", "RelayState": "x" * 81}
                      ).status_code == 400


def test_pages_without_a_flow_cookie_are_refused(app: Flask) -> None:
    client = app.test_client()
    client.set_cookie("mk_browser", "b" * 43)  # a browser that has seen a form before
    from tests.idp_mr.harness import csrf_token

    for path in ("/mr/choose", "/mr/consent", "/mr/deny", "/mr/cancel"):
        page = client.post(path, data={"csrf_token": csrf_token(client, app)})
        assert page.status_code == 400, path
