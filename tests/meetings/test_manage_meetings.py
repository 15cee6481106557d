"""A meeting run from the back office: creating it (from scratch or from an earlier
meeting), its settings, publishing, archiving, deleting a draft, and who may."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from meeting_app.accounts.models import Role
from meeting_app.agenda.models import AgendaSession, Room
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from meeting_app.meetings.models import Meeting, MeetingSeries, MeetingStatus
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Participant
from tests.conftest import registration_data

EN = {"Accept-Language": "en"}


def new_meeting_data(**values) -> dict:
    """What an administrator types for the Kathmandu meeting."""
    return {
        "series_id": "new",
        "new_series_title": "Programme Board",
        "number_in_series": "4",
        "slug": "programme-board-2027",
        "title_en": "4th Programme Board meeting",
        "title_fr": "4e réunion du Comité de programme",
        "description_en": "The yearly Board.",
        "host_en": "Government of the Federal Democratic Republic of Nepal",
        "signatory_title_en": "Head of the secretariat",
        "host_country_code": "NP",
        "city": "Kathmandu",
        "venue": "Soaltee Hotel",
        "venue_address": "Tahachal, Kathmandu",
        "timezone": "Asia/Kathmandu",
        "start_date": "2027-06-08",
        "end_date": "2027-06-09",
        "languages": ["en", "fr"],
        "default_language": "en",
        "contact_email": "board@example.org",
        "signatory_name": "Dilli Rām Śarmā",
        **values,
    }


def settings_data(meeting: Meeting, **values) -> dict:
    """The settings form of `meeting` as it comes, changed by `values`."""
    data = {
        "series_id": str(meeting.series_id or ""),
        "number_in_series": str(meeting.number_in_series or ""),
        "slug": meeting.slug,
        "host_country_code": meeting.host_country_code or "",
        "city": meeting.city,
        "venue": meeting.venue,
        "venue_address": meeting.venue_address,
        "timezone": meeting.timezone,
        "start_date": meeting.start_date.isoformat(),
        "end_date": meeting.end_date.isoformat(),
        "languages": list(meeting.languages),
        "default_language": meeting.default_language,
        "contact_email": meeting.contact_email,
        "signatory_name": meeting.signatory_name,
        "registration_mode": meeting.registration_mode,
        "host_country_first": "y" if meeting.host_country_first else "",
    }
    for lang in meeting.languages:
        data[f"title_{lang}"] = meeting.title.get(lang, "")
        data[f"description_{lang}"] = meeting.description.get(lang, "")
    return {**data, **values}


@pytest.fixture
def admin(make_user, login):
    user = make_user(Role.ORGANISER, "admin@example.org")
    login("admin@example.org")
    return user


def _html(response) -> str:
    return response.get_data(as_text=True)


def _meeting(slug: str) -> Meeting | None:
    db.session.expire_all()
    return db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.execute(
            db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)
        ).scalars()
    )


def _field_error(html: str, field: str) -> str:
    """The message shown by `field`, tied to it with aria-describedby."""
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error shown by {field}"
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error', html) or re.search(
        rf'aria-describedby="[^"]*{field}-error[^"]*"[^>]*id="{field}"', html
    )
    return match.group(1)


# --- Creating -------------------------------------------------------------------------


def test_administrator_creates_a_draft_meeting_with_a_new_series(client, admin):
    response = client.post("/manage/meetings/new", data=new_meeting_data(), headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/manage/meetings/programme-board-2027/")
    meeting = _meeting("programme-board-2027")
    assert meeting.status is MeetingStatus.DRAFT
    assert meeting.timezone == "Asia/Kathmandu"
    assert meeting.languages == ["fr", "en"] and meeting.default_language == "en"
    assert meeting.title["fr"] == "4e réunion du Comité de programme"
    assert meeting.signatory_name == "Dilli Rām Śarmā"
    assert meeting.signatory_title == {"en": "Head of the secretariat"}
    assert meeting.series.title == {"en": "Programme Board"}
    assert meeting.series.slug == "programme-board"
    assert meeting.number_in_series == 4
    (entry,) = _audit("meeting.created")
    assert entry.meeting_id == meeting.id and entry.actor == "admin@example.org"


def test_new_meeting_form_offers_every_time_zone_and_each_language(client, admin):
    html = _html(client.get("/manage/meetings/new", headers=EN))
    assert 'list="timezones"' in html
    assert (
        '<option value="Asia/Kathmandu">' in html and '<option value="Africa/Casablanca">' in html
    )
    for lang in ("fr", "en", "es"):
        assert f'id="title_{lang}"' in html
    assert 'name="csrf_token"' in html


def test_left_empty_the_slug_comes_from_the_series_and_year_and_the_zone_from_the_country(
    client, admin
):
    series = MeetingSeries(slug="programme-board", title={"en": "Programme Board"})
    db.session.add(series)
    db.session.commit()
    data = new_meeting_data(series_id=str(series.id), slug="", timezone="")
    assert client.post("/manage/meetings/new", data=data).status_code == 302
    meeting = _meeting("programme-board-2027")
    assert meeting.timezone == "Asia/Kathmandu"
    assert meeting.series_id == series.id
    # The next one of the same year gets a number.
    client.post("/manage/meetings/new", data=data)
    assert _meeting("programme-board-2027-2") is not None


@pytest.mark.parametrize(
    ("values", "field", "message", "typed"),
    [
        (
            {"start_date": "2027-06-09", "end_date": "2027-06-08"},
            "end_date",
            "The last day cannot be before the first day.",
            'value="2027-06-08"',
        ),
        (
            {"timezone": "Asia/Katmandoo"},
            "timezone",
            "Unknown time zone",
            'value="Asia/Katmandoo"',
        ),
        ({"slug": "taken"}, "slug", "already used by another meeting", 'value="taken"'),
        ({"slug": "Programme-Board"}, "slug", "lower-case letters", 'value="Programme-Board"'),
        ({"slug": "programme board"}, "slug", "no capitals, spaces", 'value="programme board"'),
        ({"slug": "programme/board"}, "slug", "or slashes", 'value="programme/board"'),
        (
            {"title_en": "", "title_fr": "", "description_en": "Kept text"},
            "title_en",
            "Give the title in at least one of the meeting&#39;s languages.",
            "Kept text",
        ),
        (
            {"languages": ["fr"], "default_language": "en", "title_fr": "Titre"},
            "default_language",
            "The default language must be one of the meeting&#39;s languages.",
            'value="Titre"',
        ),
        ({"languages": []}, "languages", "Choose at least one language.", 'value="Soaltee Hotel"'),
        ({"start_date": "8 June"}, "start_date", "Not a valid date value", 'value="8 June"'),
    ],
)
def test_bad_input_is_shown_by_its_field_with_what_was_typed(
    client, admin, make_meeting, values, field, message, typed
):
    make_meeting(slug="taken")
    response = client.post("/manage/meetings/new", data=new_meeting_data(**values), headers=EN)
    assert response.status_code == 422
    html = _html(response)
    if field == "languages":
        assert message in re.search(r'id="languages-error">([^<]*)<', html).group(1)
    else:
        assert message in _field_error(html, field)
    assert typed in html
    assert 'value="Soaltee Hotel"' in html  # the rest of what was typed stays too
    assert db.session.scalar(db.select(db.func.count(Meeting.id))) == 1


def test_every_problem_is_shown_at_once(client, admin):
    data = new_meeting_data(slug="Bad Slug", timezone="Nowhere/Town", end_date="2027-06-01")
    html = _html(client.post("/manage/meetings/new", data=data, headers=EN))
    for field in ("slug", "timezone", "end_date"):
        _field_error(html, field)


def test_only_administrators_see_the_new_meeting_page(client, make_meeting, make_user, login):
    meeting = make_meeting(slug="board")
    assert client.get("/manage/meetings/new").status_code == 302  # to the login page
    make_user(Role.ORGANISER, "org@example.org", meetings=[meeting])
    login("org@example.org")
    assert client.get("/manage/meetings/new").status_code == 403
    assert client.post("/manage/meetings/new", data=new_meeting_data()).status_code == 403
    assert "/manage/meetings/new" not in _html(client.get("/manage/"))
    client.post("/logout")
    make_user(Role.ORGANISER, "admin@example.org")
    login("admin@example.org")
    assert client.get("/manage/meetings/new").status_code == 200
    assert "/manage/meetings/new" in _html(client.get("/manage/"))


# --- Settings -------------------------------------------------------------------------


def test_settings_change_is_saved_and_logged_by_field_name(client, admin, make_meeting):
    meeting = make_meeting(
        slug="board",
        languages=["fr", "en"],
        title={"fr": "Réunion du comité", "en": "Board meeting", "es": "Reunión"},
        contact_email="a@example.org",
    )
    page = _html(client.get("/manage/meetings/board/settings", headers=EN))
    assert "/manage/meetings/board/registrations/settings" in page  # linked, not repeated
    assert 'id="title_es"' not in page and 'id="title_fr"' in page
    data = settings_data(meeting, venue="Palais des congrès", contact_email="b@example.org")
    response = client.post("/manage/meetings/board/settings", data=data, headers=EN)
    assert response.status_code == 302
    meeting = _meeting("board")
    assert meeting.venue == "Palais des congrès" and meeting.contact_email == "b@example.org"
    # Spanish is not one of the meeting's languages: its title is not kept.
    assert meeting.title == {"fr": "Réunion du comité", "en": "Board meeting"}
    (entry,) = _audit("meeting.settings")
    assert entry.details == "title, venue, contact_email"
    assert "Palais" not in entry.details and "b@example.org" not in entry.details


def test_the_slug_is_fixed_once_the_meeting_is_published(client, admin, make_meeting):
    published = make_meeting(slug="board")
    page = _html(client.get("/manage/meetings/board/settings", headers=EN))
    assert 'id="slug"' not in page and "<code>board</code>" in page
    response = client.post(
        "/manage/meetings/board/settings", data=settings_data(published, slug="board-2"), headers=EN
    )
    assert response.status_code == 422
    assert "cannot change" in _html(response)
    assert _meeting("board") is not None and _meeting("board-2") is None
    draft = make_meeting(slug="draft-one", status=MeetingStatus.DRAFT)
    response = client.post(
        "/manage/meetings/draft-one/settings", data=settings_data(draft, slug="draft-two")
    )
    assert response.headers["Location"].endswith("/manage/meetings/draft-two/")


def test_a_change_of_time_zone_keeps_each_sessions_local_time_after_a_confirmation(
    client, admin, rabat, add_session
):
    session = add_session(title="Opening", start=time(9, 0), end=time(10, 0))
    assert session.starts_at == datetime(2022, 6, 13, 8, 0, tzinfo=UTC)  # Casablanca, UTC+1
    data = settings_data(rabat, timezone="Asia/Kathmandu")
    first = client.post("/manage/meetings/rabat/settings", data=data, headers=EN)
    assert first.status_code == 200
    html = _html(first)
    assert "1 session keeps its local time" in html and "press Save again" in html
    assert _meeting("rabat").timezone == "Africa/Casablanca"  # nothing saved yet
    data["confirmed_timezone"] = "Asia/Kathmandu"
    assert client.post("/manage/meetings/rabat/settings", data=data).status_code == 302
    assert _meeting("rabat").timezone == "Asia/Kathmandu"
    moved = db.session.get(AgendaSession, session.id)
    # 09:00 in Kathmandu (UTC+05:45) is 03:15Z.
    assert moved.starts_at == datetime(2022, 6, 13, 3, 15, tzinfo=UTC)
    assert moved.ends_at == datetime(2022, 6, 13, 4, 15, tzinfo=UTC)
    assert moved.starts_at.astimezone(_meeting("rabat").tz).time() == time(9, 0)


def test_new_dates_leaving_sessions_outside_are_saved_and_show_on_the_conflicts_page(
    client, admin, rabat, add_session
):
    add_session(title="Opening")
    data = settings_data(rabat, start_date="2022-07-01", end_date="2022-07-02")
    assert client.post("/manage/meetings/rabat/settings", data=data).status_code == 302
    conflicts = _html(client.get("/manage/meetings/rabat/agenda/conflicts", headers=EN))
    assert "Opening" in conflicts


def test_a_registration_window_closing_after_the_meeting_is_a_warning(client, admin, make_meeting):
    meeting = make_meeting(
        slug="board",
        registration_opens_at=datetime(2027, 5, 1, tzinfo=UTC),
        registration_closes_at=datetime(2027, 6, 20, tzinfo=UTC),
        start_date=date(2027, 6, 1),
        end_date=date(2027, 6, 30),
    )
    data = settings_data(meeting, end_date="2027-06-10")
    response = client.post("/manage/meetings/board/settings", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "Registration closes after the meeting&#39;s last day" in _html(response)
    assert _meeting("board").end_date == date(2027, 6, 10)


# --- Publishing, archiving, deleting ---------------------------------------------------


def test_publishing_shows_what_is_missing_and_does_not_block(client, admin, make_meeting):
    make_meeting(slug="board", status=MeetingStatus.DRAFT, timezone="UTC")
    page = _html(client.get("/manage/meetings/board/publish", headers=EN))
    assert "Missing:" in page
    assert "At least one delegation" in page and "The signatory of letters" in page
    assert "Time zone (still UTC)" in page
    assert "4 items are missing" in page  # time zone, registration, delegations, signatory
    assert client.post("/manage/meetings/board/publish").status_code == 302
    assert _meeting("board").status is MeetingStatus.PUBLISHED
    (entry,) = _audit("meeting.published")
    assert entry.details == "missing: timezone, registration, delegations, signatory"


def test_archiving_closes_registration_participants_changes_and_the_desk(
    client, admin, open_meeting, make_participant, login, make_user
):
    meeting = open_meeting(slug="board")
    person = make_participant(meeting)
    assert client.post("/manage/meetings/board/archive").status_code == 302
    assert _meeting("board").status is MeetingStatus.ARCHIVED
    assert len(_audit("meeting.archived")) == 1
    # Public pages stay.
    assert client.get("/meetings/board/", headers=EN).status_code == 200
    register = client.post("/meetings/board/register", data=registration_data(meeting), headers=EN)
    assert "This meeting is archived: registration is closed." in _html(register)
    assert db.session.scalar(db.select(db.func.count(Participant.id))) == 1
    private = _html(client.get(f"/r/{person.token}", headers=EN))
    assert "This meeting is archived: registrations can no longer be changed" in private
    assert f"/r/{person.token}/edit" not in private
    edit = client.get(f"/r/{person.token}/edit", headers=EN, follow_redirects=True)
    assert "registrations can no longer be changed" in _html(edit)
    client.post(f"/r/{person.token}/cancel", data={"confirm": "y"})
    db.session.expire_all()
    assert db.session.get(Participant, person.id).status.value == "approved"
    # The desk.
    response = client.post(
        "/desk/meetings/board/check-in", data={"participant_id": person.id}, headers=EN
    )
    assert db.session.scalar(db.select(db.func.count(CheckIn.id))) == 0
    notice = _html(client.get(response.headers["Location"], headers=EN))
    assert "check-in and walk-in registration are closed" in notice
    walk_in = client.get("/desk/meetings/board/walk-in", headers=EN, follow_redirects=True)
    assert "check-in and walk-in registration are closed" in _html(walk_in)
    json = client.post("/desk/meetings/board/check-in", json={"participant_id": person.id})
    assert json.status_code == 409


def test_a_draft_is_404_to_the_public_and_other_staff_and_shown_to_its_own_with_a_banner(
    client, make_meeting, make_user, login
):
    draft = make_meeting(slug="draft", status=MeetingStatus.DRAFT)
    other = make_meeting(slug="other")
    assert client.get("/meetings/draft/").status_code == 404
    assert client.get("/meetings/draft/agenda").status_code == 404
    make_user(Role.ORGANISER, "other@example.org", meetings=[other])
    login("other@example.org")
    assert client.get("/meetings/draft/").status_code == 404
    assert client.get("/manage/meetings/draft/settings").status_code == 404
    client.post("/logout")
    make_user(Role.HOST, "host@example.org", meetings=[draft])
    login("host@example.org")
    page = client.get("/meetings/draft/", headers=EN)
    assert page.status_code == 200 and "Not public yet." in _html(page)
    assert "Not public yet." not in _html(client.get("/meetings/other/", headers=EN))
    # The home page still lists only what is public.
    assert "/meetings/draft/" not in _html(client.get("/", headers=EN))


def test_a_draft_is_deleted_after_typing_its_slug(client, admin, make_meeting):
    make_meeting(slug="draft", status=MeetingStatus.DRAFT)
    wrong = client.post("/manage/meetings/draft/delete", data={"confirm_slug": "drat"}, headers=EN)
    assert wrong.status_code == 422 and 'value="drat"' in _html(wrong)
    assert _meeting("draft") is not None
    done = client.post("/manage/meetings/draft/delete", data={"confirm_slug": "draft"})
    assert done.status_code == 302
    assert _meeting("draft") is None
    (entry,) = _audit("meeting.deleted")
    assert entry.details == "draft" and entry.meeting_id is None


def test_a_meeting_with_registrations_or_published_cannot_be_deleted(
    client, admin, make_meeting, make_participant
):
    draft = make_meeting(slug="draft", status=MeetingStatus.DRAFT)
    make_participant(draft)
    make_meeting(slug="live")
    for slug in ("draft", "live"):
        response = client.post(f"/manage/meetings/{slug}/delete", data={"confirm_slug": slug})
        assert response.status_code == 409
        assert _meeting(slug) is not None
    assert "Archive it instead" in _html(client.get("/manage/meetings/draft/delete", headers=EN))


# --- Who may ----------------------------------------------------------------------------


def test_an_organiser_of_one_meeting_gets_404_on_another_and_a_host_403_on_its_own(
    client, make_meeting, make_user, login
):
    a = make_meeting(slug="a")
    make_meeting(slug="b")
    make_user(Role.ORGANISER, "org-a@example.org", meetings=[a])
    login("org-a@example.org")
    assert client.get("/manage/meetings/a/settings").status_code == 200
    for path in ("settings", "publish", "delete"):
        assert client.get(f"/manage/meetings/b/{path}").status_code == 404
    assert client.post("/manage/meetings/b/archive").status_code == 404
    client.post("/logout")
    make_user(Role.HOST, "host-a@example.org", meetings=[a])
    login("host-a@example.org")
    assert client.get("/manage/meetings/a/settings").status_code == 403
    assert client.post("/manage/meetings/a/archive").status_code == 403
    assert client.get("/manage/meetings/b/settings").status_code == 404
    assert _meeting("a").status is MeetingStatus.PUBLISHED


# --- Starting from an earlier meeting -----------------------------------------------------


def test_starting_from_rabat_copies_settings_rooms_and_delegations_but_no_person(
    client, admin, demo_loaded
):
    rabat = _meeting("rabat-2022")
    rabat.badge_colours = {"un_agency": "#0a66c2"}
    rabat.logo_png = b"\x89PNG fake"
    rabat.signatory_name = "Amina Benali"
    db.session.commit()
    form = _html(client.get("/manage/meetings/new?from=rabat-2022", headers=EN))
    assert 'value="Rabat"' in form and 'value="Centre de conférences Bab Rouah"' in form
    assert 'value="2023-06-13"' in form  # a year later
    data = new_meeting_data(
        source_id=str(rabat.id),
        series_id=str(rabat.series_id),
        slug="programme-board-2023",
        start_date="2023-06-12",
        end_date="2023-06-13",
        timezone="Africa/Casablanca",
        copy_agenda="y",
    )
    assert client.post("/manage/meetings/new", data=data).status_code == 302
    rabat, new = _meeting("rabat-2022"), _meeting("programme-board-2023")
    assert new.status is MeetingStatus.DRAFT
    assert sorted((d.country_code, d.size_limit) for d in new.delegations) == sorted(
        (d.country_code, d.size_limit) for d in rabat.delegations
    )
    assert len(new.delegations) == 11
    assert {d.view_token for d in new.delegations}.isdisjoint(
        {d.view_token for d in rabat.delegations}
    )
    assert all(d.head_id is None and d.seats_taken == 0 for d in new.delegations)
    assert sorted(r.name for r in new.rooms) == sorted(r.name for r in rabat.rooms)
    assert new.badge_colours == {"un_agency": "#0a66c2"} and new.logo_png == b"\x89PNG fake"
    assert (new.capacity, new.requires_approval) == (rabat.capacity, rabat.requires_approval)
    assert new.retention_days_after_end == rabat.retention_days_after_end
    shift = timedelta(days=364)
    assert new.registration_opens_at == rabat.registration_opens_at + shift
    assert new.registration_closes_at == rabat.registration_closes_at + shift
    # The agenda, shifted, without its people.
    assert len(new.sessions) == len(rabat.sessions) > 0
    first_old, first_new = rabat.sessions[0], new.sessions[0]
    assert (
        first_new.starts_at.astimezone(new.tz).time()
        == first_old.starts_at.astimezone(rabat.tz).time()
    )
    assert first_new.starts_at.astimezone(new.tz).date() == date(2023, 6, 12)
    assert all(not s.people for s in new.sessions)
    # Never a participant, a check-in or an e-mail.
    for model in (Participant, OutgoingMail):
        count = db.select(db.func.count()).select_from(model).filter_by(meeting_id=new.id)
        assert db.session.scalar(count) == 0
    check_ins = (
        db.select(db.func.count(CheckIn.id))
        .join(Participant)
        .filter(Participant.meeting_id == new.id)
    )
    assert db.session.scalar(check_ins) == 0
    assert new.seats_taken == 0
    (entry,) = _audit("meeting.cloned")
    assert entry.meeting_id == new.id and "rabat-2022" in entry.details


def test_starting_from_a_meeting_without_the_agenda_copies_rooms_only(client, admin, demo_loaded):
    rabat = _meeting("rabat-2022")
    data = new_meeting_data(
        source_id=str(rabat.id), slug="board-2023", start_date="2023-06-12", end_date="2023-06-13"
    )
    assert client.post("/manage/meetings/new", data=data).status_code == 302
    new = _meeting("board-2023")
    assert new.sessions == []
    assert db.session.scalar(db.select(db.func.count(Room.id)).filter_by(meeting_id=new.id)) > 0
    assert len(new.delegations) == 11


# --- Content in the meeting's languages, the signatory in letters -------------------------


def test_the_session_form_asks_for_the_meetings_languages_only(client, admin, make_meeting):
    make_meeting(slug="board", languages=["fr", "en"])
    html = _html(client.get("/manage/meetings/board/agenda/sessions/new", headers=EN))
    assert 'id="title_fr"' in html and 'id="title_en"' in html
    assert 'id="title_es"' not in html and 'id="description_es"' not in html


def test_letters_are_signed_by_the_meetings_signatory_in_the_letters_language(
    app, make_meeting, make_participant
):
    from meeting_app.documents import letters

    meeting = make_meeting(
        slug="board",
        default_language="en",
        signatory_name="Dilli Rām Śarmā",
        signatory_title={"en": "Head of the secretariat", "fr": "Chef du secrétariat"},
    )
    person = make_participant(meeting)
    with app.test_request_context():
        french = letters.documents_html(meeting, letters.LETTER, [person], "fr")
        spanish = letters.documents_html(meeting, letters.CERTIFICATE, [person], "es")
    assert "Dilli Rām Śarmā" in french and "Chef du secrétariat" in french
    assert "Head of the secretariat" in spanish  # falls back to the default language
    assert "secrétariat de la réunion" not in french
    meeting.signatory_name = ""
    with app.test_request_context():
        unsigned = letters.documents_html(meeting, letters.LETTER, [person], "en")
    # A title without a name still signs (tests/documents/test_letters.py: neither).
    assert '<p class="line">Head of the secretariat</p>' in unsigned


def test_the_meeting_page_links_its_settings_publish_and_delete(client, admin, make_meeting):
    make_meeting(slug="draft", status=MeetingStatus.DRAFT)
    html = _html(client.get("/manage/meetings/draft/", headers=EN))
    for path in ("settings", "publish", "delete"):
        assert f"/manage/meetings/draft/{path}" in html
    assert "status-draft" in html


def test_delegations_are_what_a_readiness_list_counts(client, admin, make_meeting):
    meeting = make_meeting(slug="board", status=MeetingStatus.DRAFT)
    db.session.add(Delegation(meeting=meeting, country_code="NP"))
    db.session.commit()
    html = _html(client.get("/manage/meetings/board/publish", headers=EN))
    assert "<strong>Missing:</strong> <a" in html
    assert 'Missing:</strong> <a href="/manage/meetings/board/delegations/"' not in html


# --- Arabic and Russian -------------------------------------------------------------------


def _input(html: str, field_id: str) -> str:
    """The tag of the input (or text area) `field_id`."""
    return re.search(rf'<(?:input|textarea)[^>]*\bid="{field_id}"[^>]*>', html).group(0)


def test_arabic_and_russian_are_offered_but_not_ticked_for_a_new_meeting(client, admin):
    html = _html(client.get("/manage/meetings/new", headers=EN))
    ticked = set(re.findall(r'<input checked[^>]*name="languages"[^>]*value="(\w+)"', html))
    offered = set(re.findall(r'<input[^>]*name="languages"[^>]*value="(\w+)"', html))
    assert offered == {"fr", "en", "es", "ar", "ru"} and ticked == {"fr", "en", "es"}
    assert 'id="title_ar"' not in html and 'id="title_ru"' not in html


def test_an_arabic_speaking_organisers_new_meeting_is_in_arabic_too(client, admin):
    html = _html(client.get("/manage/meetings/new", headers={"Accept-Language": "ar"}))
    ticked = set(re.findall(r'<input checked[^>]*name="languages"[^>]*value="(\w+)"', html))
    assert ticked == {"fr", "en", "es", "ar"}
    assert re.search(r'<option selected value="ar">', html)
    assert 'dir="rtl"' in _input(html, "title_ar")


def test_a_meeting_in_arabic_and_russian_takes_their_texts_each_typed_in_its_direction(
    client, admin
):
    data = new_meeting_data(
        languages=["fr", "ar", "ru"],
        default_language="fr",
        title_en="",
        title_ar="الاجتماع الرابع لمجلس البرنامج",
        title_ru="4-е заседание Совета программы",
        host_ar="حكومة نيبال",
    )
    response = client.post("/manage/meetings/new", data=data, headers=EN)
    assert response.status_code == 302
    meeting = _meeting("programme-board-2027")
    assert meeting.languages == ["fr", "ar", "ru"]
    assert meeting.title == {
        "fr": "4e réunion du Comité de programme",
        "ar": "الاجتماع الرابع لمجلس البرنامج",
        "ru": "4-е заседание Совета программы",
    }
    assert meeting.host == {"ar": "حكومة نيبال"}
    settings = _html(client.get("/manage/meetings/programme-board-2027/settings", headers=EN))
    arabic, russian = _input(settings, "title_ar"), _input(settings, "title_ru")
    assert 'dir="rtl"' in arabic and 'lang="ar"' in arabic
    assert "الاجتماع الرابع لمجلس البرنامج" in arabic
    assert 'dir="ltr"' in russian and 'lang="ru"' in russian
    assert 'dir="rtl"' in _input(settings, "description_ar")
    assert 'id="title_en"' not in settings
    session_form = _html(
        client.get("/manage/meetings/programme-board-2027/agenda/sessions/new", headers=EN)
    )
    assert 'dir="rtl"' in _input(session_form, "title_ar")
    assert 'dir="rtl"' in _input(session_form, "description_ar")
    assert 'lang="ru"' in _input(session_form, "title_ru")
    assert "Title in Arabic" in session_form and "Title in Russian" in session_form
