"""Attacks on the AD's own login (issue 5): SMS code brute force and replay, SMS pumping, and
user enumeration through messages or timing.

Through the AD's real pages with the fake HM of tests/idp_ad (a seeded register, an SMS
outbox). Each starts from a genuine login and changes one thing; the refusal issues no
artifact to the HM, sends no SMS beyond the limits, and logs one warning without personal data
(no e-mail address, number or code).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from idp.ad.services import AdServices
from idp.db.passwords import PasswordHasher
from idp.sms.ratelimit import SmsLimits
from idp.sms.ratelimit import Window
from tests.idp_ad import conftest as ad_fixtures
from tests.idp_ad.harness import CHEAP
from tests.idp_ad.harness import Harness
from tests.security.conftest import assert_one_clean_warning

# The AD tests' module fixtures (a network with the consent services, a seeded register).
network = ad_fixtures.network
template_db = ad_fixtures.template_db
hm = ad_fixtures.hm

EMAIL = "eh2plus@example.nl"
NUMBER = "+31612345678"


def _at_code(harness: Harness, email: str = EMAIL) -> None:
    assert harness.start().status_code == 303
    sent = harness.login(email)
    assert sent.status_code == 303 and "/ad/code" in sent.headers["Location"], sent.status_code


def _later(harness: Harness, seconds: int = 31) -> None:
    harness.clock.move_to(harness.clock.now() + timedelta(seconds=seconds))


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _no_personal_data(caplog: pytest.LogCaptureFixture, *values: str) -> None:
    text = "\n".join(r.getMessage() for r in caplog.records)
    for value in (EMAIL, NUMBER, "@", *values):
        assert value not in text, value


# --- brute force and replay of the SMS code ------------------------------------------------------


def test_sixth_code_try_is_refused_even_with_the_right_code(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _at_code(hm)
    code = hm.last_code()
    for left in (4, 3, 2, 1):
        answer = hm.code(_wrong(code))
        assert answer.status_code == 401 and f"nog {left} poging" in answer.get_data(as_text=True)
    assert hm.code(_wrong(code)).status_code == 429  # the fifth wrong try locks
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        right = hm.code(code)
    assert right.status_code == 429
    assert "Location" not in right.headers
    assert hm.store.artifacts_issued == 0
    assert_one_clean_warning(caplog, extra_personal=(code,))
    _no_personal_data(caplog, code)


def test_a_used_code_does_not_work_again(hm: Harness) -> None:
    _at_code(hm)
    code = hm.last_code()
    done = hm.code(code)
    assert done.status_code == 303 and "SAMLart=" in done.headers["Location"]
    issued = hm.store.artifacts_issued
    again = hm.code(code)
    assert again.status_code == 400
    assert hm.store.artifacts_issued == issued


def test_a_code_sent_for_one_login_does_not_open_another(hm: Harness) -> None:
    _at_code(hm)
    first = hm.last_code()
    mine = hm.client
    hm.client = hm.app.test_client()  # another login (another browser) of the same means
    _later(hm)
    _at_code(hm)
    second = hm.last_code()
    if second == first:  # one chance in a million: make the codes differ
        pytest.skip("the two random codes are equal")
    answer = hm.code(first)
    assert answer.status_code == 401
    assert hm.store.artifacts_issued == 0
    hm.client = mine
    assert hm.code(second).status_code == 401  # and the second code not the first login
    assert hm.store.artifacts_issued == 0


# --- SMS pumping ---------------------------------------------------------------------------------


def _resend(harness: Harness) -> Any:
    return harness.client.post(
        "/ad/code",
        data={"csrf_token": harness.token("/ad/code"), "action": "resend"},
    )


def test_resend_at_once_is_refused_for_the_number(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    _at_code(hm)
    sent = hm.sms_count()
    with caplog.at_level(logging.WARNING):
        answer = _resend(hm)
    assert answer.status_code == 303 and "notice=rate" in answer.headers["Location"]
    assert hm.sms_count() == sent
    assert_one_clean_warning(caplog)
    _no_personal_data(caplog)


def test_at_most_five_codes_per_hour_per_number(hm: Harness) -> None:
    _at_code(hm)
    for _ in range(4):
        _later(hm)
        assert "notice=sent" in _resend(hm).headers["Location"]
    assert hm.sms_count() == 5
    _later(hm)
    refused = _resend(hm)
    assert "notice=rate" in refused.headers["Location"]
    assert hm.sms_count() == 5
    # A new login with the same means and number does not reset the count.
    _later(hm)
    hm.client = hm.app.test_client()
    assert hm.start().status_code == 303
    again = hm.login(EMAIL)
    assert "notice=rate" in again.headers["Location"]
    assert hm.sms_count() == 5


def test_codes_per_source_are_limited_across_accounts(hm: Harness) -> None:
    services: AdServices = hm.app.extensions["idp.ad"]
    hm.app.extensions["idp.ad"] = dataclasses.replace(
        services, sms_limits=SmsLimits(per_source=Window(3600, 2))
    )
    for email in ("eh2plus@example.nl", "eh3@example.nl"):
        hm.client = hm.app.test_client()
        _at_code(hm, email)
    assert hm.sms_count() == 2
    hm.client = hm.app.test_client()
    assert hm.start().status_code == 303
    third = hm.login("eh4@example.nl")
    assert "notice=rate" in third.headers["Location"]
    assert hm.sms_count() == 2
    # Another source is not affected.
    hm.client = hm.app.test_client()
    hm.client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    _later(hm)
    assert hm.start().status_code == 303
    assert "notice=sent" in hm.login("eh4@example.nl").headers["Location"]
    assert hm.sms_count() == 3


# --- user enumeration ----------------------------------------------------------------------------


def _message(answer: Any) -> tuple[int, str]:
    text = answer.get_data(as_text=True)
    found = re.search(r'class="error-summary".*?<p>(.*?)</p>', text, re.S)
    return answer.status_code, (found[1].strip() if found else text)


def test_unknown_address_wrong_password_and_revoked_means_look_the_same(hm: Harness) -> None:
    answers = []
    for email in ("nobody@example.nl", EMAIL, "revoked@example.nl"):
        hm.client = hm.app.test_client()
        assert hm.start().status_code == 303
        answer = hm.login(email, "not the password")
        answers.append(_message(answer))
        assert hm.sms_count() == 0
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401
    assert "niet juist" in answers[0][1]


class CountingHasher(PasswordHasher):
    """The real hasher, counting how many argon2 verifications each login spends."""

    def __init__(self) -> None:
        super().__init__(CHEAP)
        self.verifications = 0

    def verify(self, stored_hash: str, password: str) -> str | None:
        self.verifications += 1
        return super().verify(stored_hash, password)

    def verify_nothing(self, password: str) -> None:
        self.verifications += 1
        super().verify_nothing(password)


@pytest.mark.parametrize(
    "email", ["nobody@example.nl", "not an address", EMAIL, "revoked@example.nl"]
)
def test_every_failed_password_spends_exactly_one_argon2_verification(
    hm: Harness, email: str
) -> None:
    counting = CountingHasher()
    services: AdServices = hm.app.extensions["idp.ad"]
    hm.app.extensions["idp.ad"] = dataclasses.replace(services, hasher=counting)
    assert hm.start().status_code == 303
    assert hm.login(email, "not the password").status_code == 401
    assert counting.verifications == 1


def test_lockout_is_the_same_for_unknown_and_known_addresses(
    hm: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    statuses = {}
    for email in ("nobody@example.nl", EMAIL):
        assert hm.start().status_code == 303
        for _ in range(5):
            assert hm.login(email, "not the password").status_code == 401
        with caplog.at_level(logging.WARNING):
            caplog.clear()
            statuses[email] = _message(hm.login(email))
        assert_one_clean_warning(caplog)
        _no_personal_data(caplog)
    assert statuses["nobody@example.nl"] == statuses[EMAIL]
    assert statuses[EMAIL][0] == 429
