"""Mutated genuine messages through the broker's real SSO (POST binding) and
ArtifactResolutionService endpoints (issue 5): never a 500 (other than a SOAP 1.1 Fault),
and a login starts only for a request whose signed content is the genuine one."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from etoegang.bindings import soap
from tests.fuzz.conftest import Seeds
from tests.fuzz.mutations import mutated

ENDPOINT_EXAMPLES = 1_000
ENDPOINTS = settings(
    max_examples=ENDPOINT_EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@ENDPOINTS
@given(data=st.data())
def test_broker_sso_never_fails_with_500_on_mutated_requests(
    seeds: Seeds, data: st.DataObject
) -> None:
    message = data.draw(mutated([seeds.authn_request]))
    answer = seeds.harness.client.post(
        "/broker/sso/1.13", data={"SAMLRequest": base64.b64encode(message).decode()}
    )
    # A 302 (a login started) needs the genuine request; the genuine one was never sent and
    # every other accepted variant differs only outside its signed content.
    assert answer.status_code in (302, 400, 403), answer.status_code
    if answer.status_code == 302:
        assert answer.headers["Location"].endswith("/broker/discovery")


@ENDPOINTS
@given(data=st.data())
def test_broker_ars_answers_mutated_soap_with_a_fault_never_a_crash(
    seeds: Seeds, data: st.DataObject
) -> None:
    body = data.draw(mutated([seeds.soap_envelope]))
    answer = seeds.harness.client.post(
        "/broker/ars/1.13", data=body, content_type=soap.content_type()
    )
    assert answer.status_code in (200, 400, 500)
    assert answer.get_data().lstrip().startswith((b"<?xml", b"<soap", b"<SOAP"))
    if answer.status_code != 200:
        assert b"Fault" in answer.get_data()
