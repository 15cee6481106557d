"""Automatic reminders (messages/reminders.py): before the meeting to approved
people, before registration closes to unfinished visa requests, after the meeting
to those checked in; each once per person, however often and however many
schedulers run, in the person's language; and the organisers' settings page."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from meeting_app.accounts.models import Role
from meeting_app.core.i18n import _date_range, format_local_datetime
from meeting_app.core.tasks import beat_schedule, commit
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.meetings.models import MeetingStatus
from meeting_app.messages import reminders, tasks
from meeting_app.messages.models import SentReminder
from meeting_app.models import utcnow
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import RegistrationStatus
from tests.conftest import make_app


def at(meeting, days_before: int, hour: int = 9):
    """`hour` o'clock where the meeting is held, `days_before` days before its first day."""
    day = meeting.start_date - timedelta(days=days_before)
    return datetime.combine(day, time(hour), tzinfo=meeting.tz).astimezone(UTC)


def run(now=None) -> int:
    """One run of the scheduler's task: the reminders, then the commit (which hands
    the mails to delivery)."""
    count = reminders.send_due(now)
    commit()
    return count


def sent(person) -> list[str]:
    """The kinds of reminder recorded for `person` that carried a mail."""
    return sorted(
        db.session.scalars(
            sa.select(SentReminder.kind).where(
                SentReminder.participant_id == person.id, SentReminder.mail_id.is_not(None)
            )
        )
    )


def records(person) -> dict[str, int | None]:
    rows = db.session.execute(
        sa.select(SentReminder.kind, SentReminder.mail_id).where(
            SentReminder.participant_id == person.id
        )
    )
    return dict(rows.all())


@pytest.fixture
def board(make_meeting):
    """A meeting in English and French that reminds a week and a day before."""
    return make_meeting(
        slug="board", languages=["en", "fr"], default_language="en", reminder_days_before=[7, 1]
    )


# --- Before the meeting ----------------------------------------------------------------


def test_each_approved_person_gets_the_week_reminder_once_in_their_language(
    board, make_participant, inbox
):
    zoe = make_participant(board, given_name="Zoé", preferred_language="fr")
    ana = make_participant(board, given_name="Ana", preferred_language="en")
    others = [
        make_participant(board, status=status)
        for status in (
            RegistrationStatus.SUBMITTED,
            RegistrationStatus.WAITLISTED,
            RegistrationStatus.DECLINED,
            RegistrationStatus.CANCELLED,
        )
    ]
    others.append(make_participant(board, erased_at=utcnow()))

    assert run(at(board, 8)) == 0  # not yet
    assert run(at(board, 7)) == 2
    assert run(at(board, 7, hour=12)) == 0  # the scheduler again, the same day
    assert run(at(board, 6)) == 0  # and the next days

    [french] = inbox.to(zoe.email)
    [english] = inbox.to(ana.email)
    assert french["Content-Language"] == "fr"
    assert "Réunion du comité" in french["Subject"]
    body = inbox.body(french)
    assert "Zoé" in body and f"http://localhost/r/{zoe.token}" in body
    assert _date_range(board.start_date, board.end_date, "fr") in body  # in French
    assert english["Content-Language"] == "en"
    assert "Board meeting" in english["Subject"] and "Ana" in inbox.body(english)
    assert len(inbox.messages) == 2  # nobody else
    assert all(sent(p) == [] for p in others)
    assert sent(zoe) == sent(ana) == ["before:7"]
    [entry] = db.session.scalars(sa.select(AuditEntry).filter_by(action="reminders.sent"))
    assert entry.meeting_id == board.id and "before:7 2" in entry.details


def test_the_day_before_reminder_goes_the_day_before(board, make_participant, inbox):
    person = make_participant(board)
    run(at(board, 7))
    assert run(at(board, 2)) == 0
    assert run(at(board, 1, hour=0)) == 1  # just after midnight where it is held
    assert run(at(board, 1, hour=18)) == 0
    assert run(at(board, 0)) == 0  # the meeting has started
    assert len(inbox.to(person.email)) == 2
    assert sent(person) == ["before:1", "before:7"]


def test_someone_approved_late_gets_the_next_reminder_only(board, make_participant, inbox):
    early = make_participant(board)
    run(at(board, 7))
    # Approved two days before: the week reminder is over for them.
    late = make_participant(board, status_changed_at=at(board, 2))
    assert run(at(board, 2, hour=12)) == 0
    assert run(at(board, 1)) == 2
    assert len(inbox.to(late.email)) == 1 and len(inbox.to(early.email)) == 2
    kept = records(late)  # the day-before one sent, the week one recorded as skipped
    assert set(kept) == {"before:1", "before:7"}
    assert kept["before:1"] is not None and kept["before:7"] is None
    # Approved after the day-before reminder's day began: nothing (the approval mail
    # says all they need).
    last = make_participant(board, status_changed_at=at(board, 1, hour=10))
    assert run(at(board, 1, hour=11)) == 0
    assert inbox.to(last.email) == [] and records(last) == {}


def test_after_a_stopped_scheduler_a_person_gets_one_reminder_per_run(
    board, make_participant, inbox
):
    person = make_participant(board)
    assert run(at(board, 1)) == 1  # nothing ran during the week
    assert run(at(board, 1, hour=10)) == 0
    assert len(inbox.to(person.email)) == 1
    assert records(person)["before:7"] is None and sent(person) == ["before:1"]


def test_the_scheduler_writes_each_reminder_once_when_two_run_at_once(
    board, make_participant, inbox, database_url, mail_settings
):
    """Schedulers with their own app, session and connection, released together:
    the unique key decides, on SQLite and on PostgreSQL."""
    people = [make_participant(board) for _ in range(6)]
    apps = [make_app(database_url, **mail_settings) for _ in range(4)]
    start = threading.Barrier(len(apps))
    counts, errors = [], []
    now = at(board, 7)

    def scheduler(app):
        with app.app_context():
            try:
                start.wait()
                counts.append(run(now))
            except Exception as error:  # reported below: a thread's failure is silent
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=scheduler, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == len(people)
    db.session.expire_all()
    assert all(sent(p) == ["before:7"] for p in people)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == len(people)
    assert all(len(inbox.to(p.email)) == 1 for p in people)


def test_a_claim_rolled_back_is_sent_by_the_next_run(board, make_participant, inbox):
    person = make_participant(board)
    assert reminders.send_due(at(board, 7)) == 1
    db.session.rollback()  # the run crashed before its commit: nothing was kept
    assert records(person) == {} and inbox.to(person.email) == []
    assert run(at(board, 7, hour=10)) == 1
    assert len(inbox.to(person.email)) == 1


def test_the_scheduler_task_sends_what_is_due_now(make_meeting, make_participant, inbox):
    today = datetime.now(UTC).date()
    meeting = make_meeting(
        start_date=today + timedelta(days=3),
        end_date=today + timedelta(days=4),
        reminder_days_before=[7],
    )
    person = make_participant(meeting, status_changed_at=utcnow() - timedelta(days=20))
    assert tasks.send_reminders() == 1
    assert tasks.send_reminders() == 0
    assert len(inbox.to(person.email)) == 1
    assert beat_schedule()["messages-send-reminders"] == {
        "task": "messages.send_reminders",
        "schedule": timedelta(minutes=15),
    }


def test_the_command_sends_what_is_due(make_meeting, make_participant, inbox, runner):
    today = datetime.now(UTC).date()
    meeting = make_meeting(
        start_date=today + timedelta(days=3),
        end_date=today + timedelta(days=4),
        reminder_days_before=[7],
    )
    person = make_participant(meeting, status_changed_at=utcnow() - timedelta(days=20))
    result = runner.invoke(args=["mail", "send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 reminder written." in result.output
    assert len(inbox.to(person.email)) == 1


@pytest.mark.parametrize(
    "values",
    [
        {},  # reminders off
        {"reminder_days_before": [7], "status": MeetingStatus.DRAFT},
        {"reminder_days_before": [7], "status": MeetingStatus.ARCHIVED},
    ],
)
def test_a_meeting_without_reminders_or_unpublished_sends_nothing(
    make_meeting, make_participant, inbox, values
):
    meeting = make_meeting(**values)
    make_participant(meeting, needs_visa_letter=True)
    for days in (7, 1):
        assert run(at(meeting, days)) == 0
    assert run(datetime.combine(meeting.end_date, time(12), tzinfo=UTC) + timedelta(days=2)) == 0
    assert inbox.messages == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentReminder)) == 0


# --- Unfinished visa requests ------------------------------------------------------------


def test_the_visa_reminder_goes_to_unfinished_requests_while_registration_is_open(
    make_meeting, make_participant, inbox
):
    closes = datetime(2031, 3, 20, 17, 0, tzinfo=UTC)
    meeting = make_meeting(
        languages=["en", "fr"],
        registration_closes_at=closes,
        visa_reminder_days=5,
        start_date=closes.date() + timedelta(days=30),
        end_date=closes.date() + timedelta(days=31),
    )
    no_nationality = make_participant(
        meeting,
        needs_visa_letter=True,
        passport_number="P123",
        status=RegistrationStatus.SUBMITTED,
        preferred_language="fr",
    )
    no_passport = make_participant(meeting, needs_visa_letter=True, nationality_code="NP")
    waiting = make_participant(
        meeting, needs_visa_letter=True, status=RegistrationStatus.WAITLISTED
    )
    complete = make_participant(
        meeting, needs_visa_letter=True, nationality_code="NP", passport_number="P9"
    )
    no_letter = make_participant(meeting)
    declined = make_participant(meeting, needs_visa_letter=True, status=RegistrationStatus.DECLINED)
    erased = make_participant(meeting, needs_visa_letter=True, erased_at=utcnow())

    assert run(closes - timedelta(days=6)) == 0  # too early
    assert run(closes - timedelta(days=4)) == 3
    assert run(closes - timedelta(days=1)) == 0  # once
    late = make_participant(meeting, needs_visa_letter=True)
    assert run(closes + timedelta(minutes=1)) == 0  # registration has closed
    for person in (no_nationality, no_passport, waiting):
        assert sent(person) == ["visa"]
        assert len(inbox.to(person.email)) == 1
    for person in (complete, no_letter, declined, erased, late):
        assert inbox.to(person.email) == []
    [french] = inbox.to(no_nationality.email)
    assert french["Content-Language"] == "fr"
    assert format_local_datetime(closes, meeting.timezone, "fr") in inbox.body(french)
    [english] = inbox.to(no_passport.email)
    body = inbox.body(english)
    assert format_local_datetime(closes, meeting.timezone, "en") in body
    assert f"http://localhost/r/{no_passport.token}" in body


# --- Certificates after the meeting ----------------------------------------------------


def test_the_certificate_link_goes_to_those_checked_in_after_the_meeting(
    make_meeting, make_participant, inbox, client
):
    today = datetime.now(UTC).date()
    meeting = make_meeting(
        start_date=today - timedelta(days=4),
        end_date=today - timedelta(days=3),
        certificate_reminder=True,
    )
    came = make_participant(meeting, given_name="Came")
    undone = make_participant(meeting)
    absent = make_participant(meeting)
    erased = make_participant(meeting, erased_at=utcnow())
    db.session.add_all(
        [
            CheckIn(participant=came, day=meeting.start_date),
            CheckIn(participant=undone, day=meeting.start_date, cancelled_at=utcnow()),
            CheckIn(participant=erased, day=meeting.start_date),
        ]
    )
    commit()

    last_day = datetime.combine(meeting.end_date, time(15), tzinfo=meeting.tz)
    assert run(last_day) == 0  # not over yet
    assert run() == 1
    assert run() == 0
    assert sent(came) == ["certificate"]
    assert all(inbox.to(p.email) == [] for p in (undone, absent, erased))
    [mail] = inbox.to(came.email)
    link = f"http://localhost/r/{came.token}/certificate.pdf"
    assert link in inbox.body(mail)
    response = client.get(link.removeprefix("http://localhost"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"


def test_no_certificate_reminder_long_after_the_meeting(make_meeting, make_participant, inbox):
    today = datetime.now(UTC).date()
    meeting = make_meeting(
        start_date=today - timedelta(days=60),
        end_date=today - timedelta(days=59),
        certificate_reminder=True,
    )
    person = make_participant(meeting)
    db.session.add(CheckIn(participant=person, day=meeting.start_date))
    commit()
    assert run() == 0 and inbox.messages == []


# --- The settings page ---------------------------------------------------------------


@pytest.fixture
def organiser(make_user, login, board):
    user = make_user(Role.ORGANISER, "boss@example.org", meetings=[board])
    login("boss@example.org")
    return user


URL = "/manage/meetings/board/messages/reminders"


def test_the_page_shows_the_reminders_and_saves_them(client, organiser, board, make_participant):
    person = make_participant(board)
    run(at(board, 7))
    page = client.get(URL).get_data(as_text=True)
    assert "7 days before the first day" in page and "1 day before the first day" in page
    assert "7 days before: 1 sent." in page
    assert 'value="7, 1"' in page
    assert "/manage/meetings/board/messages/automatic/reminder_before/fr" in page
    index = client.get("/manage/meetings/board/messages/").get_data(as_text=True)
    assert URL in index

    response = client.post(
        URL, data={"before": "y", "days_before": "14, 3", "visa_days": "10", "certificate": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert board.reminder_days_before == [14, 3]
    assert board.visa_reminder_days == 10 and board.certificate_reminder is True
    entry = db.session.scalars(
        sa.select(AuditEntry).filter_by(action="meeting.settings", meeting_id=board.id)
    ).one()
    assert entry.actor == "boss@example.org" and "before 14,3" in entry.details

    client.post(URL, data={"days_before": "14, 3", "visa_days": ""})  # all off
    db.session.expire_all()
    assert board.reminder_days_before == [] and board.visa_reminder_days is None
    assert board.certificate_reminder is False
    assert sent(person) == ["before:7"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "must be from 1 to 365"),
        ("abc", "is not a number of days"),
        ("400", "must be from 1 to 365"),
        ("7, 6, 5, 4, 3, 2", "At most 5 reminders"),
        ("7, 7", "there twice"),
        ("", "Enter the number of days"),
    ],
)
def test_bad_days_are_refused_with_a_message_and_kept(client, organiser, board, typed, message):
    response = client.post(URL, data={"before": "y", "days_before": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{typed}"' in page
    assert 'aria-invalid="true"' in page
    db.session.expire_all()
    assert board.reminder_days_before == [7, 1]


@pytest.mark.parametrize("typed", ["0", "91", "abc"])
def test_bad_visa_days_are_refused(client, organiser, board, typed):
    response = client.post(URL, data={"visa_days": typed})
    assert response.status_code == 422
    assert f'value="{typed}"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert board.visa_reminder_days is None


def test_another_meetings_organiser_gets_404_and_a_host_is_refused(
    client, board, make_meeting, make_user, login
):
    other = make_meeting(slug="other")
    make_user(Role.ORGANISER, "elsewhere@example.org", meetings=[other])
    login("elsewhere@example.org")
    assert client.get(URL).status_code == 404
    assert client.post(URL, data={"certificate": "y"}).status_code == 404
    client.post("/logout", data={})
    make_user(Role.HOST, "door@example.org", meetings=[board])
    login("door@example.org")
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"certificate": "y"}).status_code == 403
    db.session.expire_all()
    assert board.certificate_reminder is False
