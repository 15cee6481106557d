"""The meeting's morning in small: people register, the desk checks people in and
organisers page through the lists, all at once through gunicorn's workers on the
tests' database. No error answer, nothing lost or recorded twice. The long form,
with 500 registrations and 200 check-ins on PostgreSQL, is bench/morning.py."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bench.morning import HOST, ORGANISER, database_check, failures, morning, report
from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.registration import seats
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from tests.conftest import PASSWORD

REGISTRATIONS, CHECK_INS, LIST_PAGES, EXISTING = 60, 40, 30, 120


def test_registrations_check_ins_and_lists_at_once(gunicorn, app, make_meeting, make_user, capsys):
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    now = datetime.now(UTC)
    meeting = make_meeting(
        slug="morning",
        start_date=today,
        end_date=today + timedelta(days=1),
        requires_approval=False,
        registration_opens_at=now - timedelta(days=30),
        registration_closes_at=now + timedelta(days=1),
    )
    db.session.add_all(
        Participant(
            meeting=meeting,
            given_name=f"Given{i}",
            family_name=f"Family{i}",
            badge_name="",
            email=f"p{i}@example.org",
            category=Category.DONOR,
            status=RegistrationStatus.APPROVED,
        )
        for i in range(EXISTING)
    )
    seats.recount(meeting)
    db.session.commit()
    make_user(Role.ORGANISER, ORGANISER)
    make_user(Role.HOST, HOST)
    codes = [p.badge_code for p in meeting.participants[:CHECK_INS]]

    samples, elapsed = morning(
        gunicorn,
        "morning",
        registrations=REGISTRATIONS,
        badge_codes=codes,
        list_pages=LIST_PAGES,
        clients=8,
        password=PASSWORD,
    )

    with capsys.disabled():  # the figures, for whoever runs the test with -s or not
        print("\n" + report(samples, elapsed))
    assert len(samples) == REGISTRATIONS + CHECK_INS + LIST_PAGES
    assert failures(samples) == []
    assert database_check(app, "morning", REGISTRATIONS, codes) == []
    db.session.expire_all()
    assert meeting.seats_taken == EXISTING + REGISTRATIONS
