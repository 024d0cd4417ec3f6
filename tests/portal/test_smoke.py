"""First checks: the portal answers, logs in an administrator, refuses a user's admin pages."""

from __future__ import annotations

from tests.portal.harness import ADMIN_A
from tests.portal.harness import USER_A
from tests.portal.harness import Portal


def test_home_and_login_pages_answer_in_dutch_and_english(portal: Portal) -> None:
    page = portal.get("/portal/")
    assert page.status_code == 200
    assert 'lang="nl"' in page.text
    assert "Inloggen" in page.text
    english = portal.get("/portal/login?lang=en")
    assert 'lang="en"' in english.text
    assert "Log in with your own eHerkenning means" in english.text


def test_administrator_logs_in_with_password_and_sms_code(portal: Portal) -> None:
    answer = portal.login(ADMIN_A)
    assert answer.status_code == 303
    home = portal.get("/portal/")
    assert "eH3" in home.text
    assert portal.get("/portal/requests").status_code == 200


def test_user_without_the_role_gets_403_on_admin_pages(portal: Portal) -> None:
    portal.login(USER_A)
    assert portal.get("/portal/requests").status_code == 403
    assert portal.get("/portal/me").status_code == 200
