"""Each meeting's retention period, and the command that purges sensitive fields
once it is over."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry

SENSITIVE = {
    "passport_number": "A7654321",
    "phone": "+221 77 123 45 67",
    "dietary_needs": "Halal",
    "accessibility_needs": "Wheelchair",
}


def _ended(make_meeting, make_participant, slug: str, days_ago: int, **values):
    # The meeting's own day, as the purge counts it (after 23:00 UTC it is already
    # tomorrow in Casablanca, the factory's zone).
    today = datetime.now(ZoneInfo("Africa/Casablanca")).date()
    meeting = make_meeting(
        slug=slug,
        start_date=today - timedelta(days=days_ago + 1),
        end_date=today - timedelta(days=days_ago),
        **values,
    )
    person = make_participant(meeting, organisation="Ministry", **SENSITIVE)
    return meeting, person


def test_purge_deletes_sensitive_fields_once_the_retention_period_is_over(
    runner, make_meeting, make_participant
):
    old, old_person = _ended(make_meeting, make_participant, "old", days_ago=31)
    recent, recent_person = _ended(make_meeting, make_participant, "recent", days_ago=30)
    quick, quick_person = _ended(
        make_meeting, make_participant, "quick", days_ago=2, retention_days_after_end=1
    )
    coming = make_meeting(slug="coming")
    coming_person = make_participant(coming, **SENSITIVE)

    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "old: deleted 1 passport_number, 1 phone, 1 dietary_needs, 1 accessibility_needs" in (
        result.output
    )
    assert "quick: deleted" in result.output
    assert "2 meetings past their retention period, 2 not." in result.output
    db.session.expire_all()
    for person in (old_person, quick_person):
        assert all(getattr(person, field) == "" for field in SENSITIVE)
        assert person.organisation == "Ministry"  # what is not sensitive stays
        assert person.given_name == "Amina"
    for person in (recent_person, coming_person):
        assert {f: getattr(person, f) for f in SENSITIVE} == SENSITIVE

    entries = db.session.execute(
        db.select(AuditEntry).filter_by(action="meeting.purged").order_by(AuditEntry.id)
    )
    entries = entries.scalars().all()
    assert sorted(e.meeting.slug for e in entries) == ["old", "quick"]
    assert all("A7654321" not in e.details and e.actor == "command line" for e in entries)

    # Again: nothing more to delete, nothing more logged.
    again = runner.invoke(args=["privacy", "purge"])
    assert again.exit_code == 0
    assert "old: deleted 0 passport_number, 0 phone" in again.output
    count = db.select(db.func.count(AuditEntry.id)).filter_by(action="meeting.purged")
    assert db.session.scalar(count) == 2


def test_retention_period_is_a_registration_setting(client, open_meeting, make_user, login):
    from meeting_app.accounts.models import Role

    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")
    meeting = open_meeting(slug="board")
    path = "/manage/meetings/board/registrations/settings"
    page = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Days sensitive data is kept after the meeting" in page
    assert 'name="retention_days_after_end"' in page and 'value="30"' in page
    form = {
        "opens_at": "2026-01-01T09:00",
        "closes_at": "2026-12-01T09:00",
        "capacity": "50",
        "requires_approval": "y",
        "retention_days_after_end": "-3",
    }
    refused = client.post(path, data=form, headers={"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "A number from 0 to 3,650." in refused.get_data(as_text=True)
    db.session.expire_all()
    assert meeting.retention_days_after_end == 30
    assert client.post(path, data={**form, "retention_days_after_end": "90"}).status_code == 302
    db.session.expire_all()
    assert meeting.retention_days_after_end == 90
    # Left empty, it stays as it was.
    assert client.post(path, data={**form, "retention_days_after_end": ""}).status_code == 302
    db.session.expire_all()
    assert meeting.retention_days_after_end == 90
    privacy = client.get("/meetings/board/privacy", headers={"Accept-Language": "en"})
    assert "90 days after the meeting ends" in privacy.get_data(as_text=True)
