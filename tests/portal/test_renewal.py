"""The renewal job (issue 8): 60 days before a means or mandate ends its organisation's
administrators get one mail with a link to a pre-filled renewal form; never a second one for
the same item and end date, however often the job runs. Against a real local SMTP server."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from etoegang.clock import RandomIdSource
from idp.app import context_of
from idp.db.models import Means
from idp.db.models import Person
from idp.mail.smtp import SmtpConfig
from idp.mail.smtp import SmtpMailer
from idp.portal.models import RenewalReminder
from idp.portal.renewal import send_reminders
from tests.portal.harness import ADMIN_A
from tests.portal.harness import ADMIN_B
from tests.portal.harness import USER_A
from tests.portal.harness import Portal
from tests.portal.smtp_stub import smtp_server


def end_soon(portal: Portal, email: str, days: int) -> int:
    """Make the means of ``email`` end ``days`` from now (a 1-year means started earlier)."""
    from idp.db.columns import add_years

    with context_of(portal.app).db() as db, db.begin():
        means = db.scalars(select(Means).join(Person).where(Person.email == email)).one()
        end = portal.clock.now() + timedelta(days=days)
        means.valid_from = add_years(end, -1)
        means.valid_until = end
        return means.id


def run(portal: Portal, port: int) -> tuple[int, int, int]:
    context = context_of(portal.app)
    mailer = SmtpMailer(SmtpConfig("127.0.0.1", port, "no-reply@idp.example", starttls=False))
    result = send_reminders(context.db, mailer, context.clock, context.base_url,
                            RandomIdSource().new_id)
    return result.sent, result.already, result.failed


def test_one_mail_per_expiring_item_and_none_on_a_second_run(portal: Portal) -> None:
    means_id = end_soon(portal, USER_A, 59)
    end_soon(portal, ADMIN_B, 90)  # outside the window
    with smtp_server() as (port, mailbox):
        assert run(portal, port) == (1, 0, 0)
        assert run(portal, port) == (0, 1, 0)
        portal.clock.move_to(portal.clock.now() + timedelta(days=1))
        assert run(portal, port) == (0, 1, 0)
    [received] = mailbox.messages
    assert received.recipients == [ADMIN_A]
    body = received.message.get_content()
    assert f"/portal/means/{means_id}/renew" in body
    assert "Bob Test" in body
    with context_of(portal.app).db() as db:
        assert len(db.scalars(select(RenewalReminder)).all()) == 1


def test_a_renewed_item_is_reminded_again_before_its_new_end(portal: Portal) -> None:
    end_soon(portal, USER_A, 30)
    with smtp_server() as (port, mailbox):
        assert run(portal, port)[0] == 1
        end_soon(portal, USER_A, 20)  # a new end date: a new window
        assert run(portal, port)[0] == 1
    assert len(mailbox.messages) == 2


def test_a_failed_mail_is_retried_on_the_next_run(portal: Portal) -> None:
    end_soon(portal, USER_A, 10)
    with smtp_server() as (port, _):
        pass  # nothing listens any more
    assert run(portal, port) == (0, 0, 1)
    with smtp_server() as (port, mailbox):
        assert run(portal, port) == (1, 0, 0)
    assert len(mailbox.messages) == 1


def test_the_reminder_link_opens_the_pre_filled_form(portal: Portal) -> None:
    means_id = end_soon(portal, USER_A, 40)
    with smtp_server() as (port, mailbox):
        run(portal, port)
    body = mailbox.messages[0].message.get_content()
    path = body[body.index("/portal/means/"):].split()[0]
    assert portal.get(path).status_code == 303  # log in first
    portal.login(ADMIN_A)
    form = portal.get(path)
    assert form.status_code == 200 and 'value="1" checked' in form.text
    assert f"/portal/means/{means_id}/renew" in form.text
