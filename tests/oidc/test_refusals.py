"""What the OIDC face refuses: redirect URI mismatch (page, no redirect), code replay (tokens
revoked), PKCE missing/plain/wrong, unmet acr, client assertions with the wrong audience or a
reused jti, and mix-up defence (iss in every authorization response, errors included)."""

from __future__ import annotations

import json
from datetime import timedelta

from policies.loa import Loa
from tests.oidc.conftest import REDIRECT_URI
from tests.oidc.conftest import SERVICE_EH3
from tests.oidc.conftest import SERVICE_EH4
from tests.oidc.conftest import OidcHarness
from tests.oidc.conftest import new_verifier
from tests.oidc.conftest import query_of
from tests.oidc.helpers import assertion
from tests.oidc.helpers import auth_params
from tests.oidc.helpers import authorize_url
from tests.oidc.helpers import login_code
from tests.oidc.helpers import redeem
from tests.oidc.helpers import userinfo


def _error_page(answer: object, status: int = 400) -> None:
    assert answer.status_code == status, answer.text[:300]  # type: ignore[attr-defined]
    assert "Location" not in answer.headers  # type: ignore[attr-defined]
    assert answer.headers["Content-Type"].startswith("text/html")  # type: ignore[attr-defined]


def _error_redirect(oidc: OidcHarness, answer: object, error: str, state: str) -> None:
    assert answer.status_code == 302, answer.text[:300]  # type: ignore[attr-defined]
    location = answer.headers["Location"]  # type: ignore[attr-defined]
    assert location.startswith(REDIRECT_URI + "?")
    params = query_of(location)
    assert params["error"] == error
    assert params["state"] == state
    assert params["iss"] == oidc.issuer  # RFC 9207: also on errors


# --- the authorization endpoint --------------------------------------------------------------


def test_a_redirect_uri_that_is_not_registered_exactly_gets_a_page_and_no_redirect(
    oidc: OidcHarness,
) -> None:
    verifier = new_verifier()
    for wrong in (REDIRECT_URI + "/", REDIRECT_URI + "?x=1", "http://evil.test/cb",
                  REDIRECT_URI.upper()):
        answer = oidc.start(authorize_url(oidc, auth_params(verifier, redirect_uri=wrong)))
        _error_page(answer)
    answer = oidc.start(authorize_url(oidc, auth_params(verifier, redirect_uri=None)))
    _error_page(answer)
    answer = oidc.start(authorize_url(oidc, auth_params(verifier, client_id="urn:nobody")))
    _error_page(answer)
    assert not [k for k in oidc.state._entries if k.startswith("flow:")]  # noqa: SLF001


def test_pkce_is_required_and_plain_is_refused(oidc: OidcHarness) -> None:
    verifier = new_verifier()
    for changes in (
        {"code_challenge": None, "code_challenge_method": None},
        {"code_challenge_method": None},
        {"code_challenge": verifier, "code_challenge_method": "plain"},
    ):
        params = auth_params(verifier, **changes)
        answer = oidc.start(authorize_url(oidc, params))
        _error_redirect(oidc, answer, "invalid_request", params["state"])


def test_only_response_type_code_is_accepted(oidc: OidcHarness) -> None:
    verifier = new_verifier()
    for response_type in ("token", "id_token", "code id_token"):
        params = auth_params(verifier, response_type=response_type)
        answer = oidc.start(authorize_url(oidc, params))
        _error_redirect(oidc, answer, "unsupported_response_type", params["state"])


def test_an_essential_acr_above_the_catalogue_level_is_unmet(oidc: OidcHarness) -> None:
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": [Loa.EH4.urn]}}})
    params = auth_params(new_verifier(), claims=claims)
    answer = oidc.start(authorize_url(oidc, params))
    _error_redirect(oidc, answer, "unmet_authentication_requirements", params["state"])


def test_a_voluntary_acr_may_lower_the_level_but_never_raise_it(oidc: OidcHarness) -> None:
    login_code(
        oidc, client_id=SERVICE_EH3.service_id, acr_values=f"{Loa.EH4.urn} {Loa.EH2PLUS.urn}"
    )
    # eH4 is above the eH3 catalogue level and ignored; eH2+ lowers the floor (spec §2).
    asked = oidc.last_ad_request.requested_authn_context
    assert asked is not None and asked.loas == (Loa.EH2PLUS,)
    login_code(oidc, client_id=SERVICE_EH3.service_id, acr_values=Loa.EH4.urn)
    asked = oidc.last_ad_request.requested_authn_context
    assert asked is not None and asked.loas == (Loa.EH3,)


def test_a_login_below_the_required_level_ends_in_unmet_authentication_requirements(
    oidc: OidcHarness,
) -> None:
    params = auth_params(new_verifier(), client_id=SERVICE_EH4.service_id)
    started = oidc.start(authorize_url(oidc, params))
    assert started.status_code == 302
    final = oidc.ad_and_mr(oidc.choose(), loa=Loa.EH4, mr_answer={"used": Loa.EH3})
    _error_redirect(oidc, final, "unmet_authentication_requirements", params["state"])


# --- the token endpoint ----------------------------------------------------------------------


def test_a_replayed_code_is_refused_and_revokes_the_tokens_it_gave(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    first = redeem(oidc, code, verifier)
    assert first.status_code == 200, first.text
    access_token = first.json()["access_token"]
    assert userinfo(oidc, access_token).status_code == 200
    second = redeem(oidc, code, verifier)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert userinfo(oidc, access_token).status_code == 401


def test_a_wrong_or_missing_code_verifier_is_refused(oidc: OidcHarness) -> None:
    code, _, _ = login_code(oidc)
    wrong = redeem(oidc, code, new_verifier())
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code, _, _ = login_code(oidc)
    missing = redeem(oidc, code, None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_a_code_is_bound_to_its_redirect_uri(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    answer = redeem(oidc, code, verifier, redirect_uri=REDIRECT_URI + "/other")
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_client(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    other = SERVICE_EH3.service_id
    answer = redeem(oidc, code, verifier, client_assertion=assertion(oidc, client_id=other))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_client_assertion_for_another_audience_is_refused(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    for audience in (oidc.issuer, f"{oidc.issuer}/par", "https://other.example/token"):
        answer = redeem(oidc, code, verifier,
                        client_assertion=assertion(oidc, audience=audience))
        assert answer.status_code in (400, 401)
        assert answer.json()["error"] == "invalid_client"


def test_a_client_assertion_jti_is_single_use(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    first = assertion(oidc, jti="one-time")
    assert redeem(oidc, code, verifier, client_assertion=first).status_code == 200
    code, verifier, _ = login_code(oidc)
    again = redeem(oidc, code, verifier, client_assertion=assertion(oidc, jti="one-time"))
    assert again.json()["error"] == "invalid_client"


def test_a_long_lived_client_assertion_is_refused(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    answer = redeem(oidc, code, verifier, client_assertion=assertion(oidc, lifetime=3600))
    assert answer.json()["error"] == "invalid_client"


def test_a_code_expires_after_at_most_sixty_seconds(oidc: OidcHarness) -> None:
    code, verifier, _ = login_code(oidc)
    oidc.clock.move_to(oidc.clock.now() + timedelta(seconds=61))
    answer = redeem(oidc, code, verifier)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_prompt_none_is_answered_with_login_required(oidc: OidcHarness) -> None:
    params = auth_params(new_verifier(), prompt="none")
    answer = oidc.start(authorize_url(oidc, params))
    _error_redirect(oidc, answer, "login_required", params["state"])


def test_a_repeated_parameter_gets_a_page(oidc: OidcHarness) -> None:
    url = authorize_url(oidc, auth_params(new_verifier()))
    answer = oidc.start(url + "&redirect_uri=" + "http%3A%2F%2Fevil.test%2Fcb")
    _error_page(answer)


def test_a_cancel_at_discovery_goes_back_as_access_denied(oidc: OidcHarness) -> None:
    params = auth_params(new_verifier())
    started = oidc.start(authorize_url(oidc, params))
    assert started.status_code == 302
    page = oidc.get(oidc.live.url + "/broker/discovery")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    answer = oidc.browser.post(oidc.live.url + "/broker/discovery",
                               data={"csrf_token": token, "action": "cancel"},
                               allow_redirects=False, timeout=10)
    _error_redirect(oidc, answer, "access_denied", params["state"])
