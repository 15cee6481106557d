"""The home page and a meeting's public page."""

from datetime import UTC, date, datetime, timedelta

from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import MeetingStatus


def test_home_lists_upcoming_and_past_meetings_and_latest_communiques(
    client, make_meeting, make_communique
):
    today = datetime.now(UTC).date()
    make_meeting(slug="next", title={"en": "Next board"})
    make_meeting(
        slug="old",
        title={"en": "Old board"},
        status=MeetingStatus.ARCHIVED,
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
    )
    make_meeting(
        slug="draft",
        title={"en": "Hidden draft"},
        status=MeetingStatus.DRAFT,
        start_date=today + timedelta(days=5),
        end_date=today + timedelta(days=6),
    )
    make_communique(
        title="Board agrees on next phase",
        summary="The board met.",
        published_at=datetime(2022, 6, 15, 10, tzinfo=UTC),
    )
    make_communique(title="Unpublished draft text", publish=False)
    db.session.commit()
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    upcoming, past = html.split("Past meetings")
    assert "Next board" in upcoming and "Old board" not in upcoming
    assert "Old board" in past
    assert "Hidden draft" not in html
    assert "Board agrees on next phase" in html and "June 15, 2022" in html
    assert "Unpublished draft text" not in html


def test_home_says_so_when_there_is_nothing_yet(client):
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Aucune réunion n'a encore été annoncée." in html
    assert "Aucun communiqué n" in html


def test_meeting_page_shows_dates_venue_host_local_time_and_delegations(client, make_meeting):
    meeting = make_meeting(
        slug="rabat",
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
        venue="Centre de conférences",
        city="Rabat",
        host={"en": "Government of Morocco"},
        status=MeetingStatus.ARCHIVED,
    )
    db.session.add_all(
        [Delegation(meeting=meeting, country_code=code) for code in ("MA", "SN", "KG")]
    )
    db.session.commit()
    html = client.get("/meetings/rabat/", headers={"Accept-Language": "fr"}).get_data(True)
    assert "13–14 juin 2022" in html
    assert "Rabat, Maroc" in html
    assert "Centre de conférences" in html
    assert "Government of Morocco" in html  # only given in English: shown, and marked
    assert "Africa/Casablanca (UTC+01:00)" in html
    assert "<dd>3</dd>" in html


def test_meeting_page_says_when_registration_opens_and_closes(client, make_meeting):
    now = datetime.now(UTC)
    make_meeting(
        slug="soon",
        registration_opens_at=now + timedelta(days=3),
        registration_closes_at=now + timedelta(days=20),
    )
    make_meeting(
        slug="open",
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=20),
    )
    make_meeting(
        slug="closed",
        registration_opens_at=now - timedelta(days=20),
        registration_closes_at=now - timedelta(days=1),
    )

    def get(slug):
        return client.get(f"/meetings/{slug}/", headers={"Accept-Language": "en"}).get_data(True)

    assert "Opens on" in get("soon")
    assert "Open until" in get("open")
    assert "Closed" in get("closed")


def test_names_and_places_keep_their_scripts(client, make_meeting):
    make_meeting(
        slug="bishkek",
        city="Бишкек",
        venue="Дом дружбы",
        host_country_code="KG",
        title={"en": "Board in Бишкек", "fr": "Comité à Бишкек"},
    )
    html = client.get("/meetings/bishkek/", headers={"Accept-Language": "fr"}).get_data(True)
    assert "Comité à Бишкек" in html and "Дом дружбы" in html and "Kirghizstan" in html


def test_user_text_is_escaped(client, make_meeting):
    make_meeting(slug="xss", title={"en": "<script>alert(1)</script>"}, venue="<b>bold</b>")
    html = client.get("/meetings/xss/", headers={"Accept-Language": "en"}).get_data(True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
