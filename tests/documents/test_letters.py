"""Visa invitation letters and certificates of attendance: only for those entitled,
each person only their own, passport numbers kept private and purged after the
meeting."""

import html
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.models import utcnow
from meeting_app.registration.models import RegistrationStatus
from tests.conftest import registration_data


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def visa_people(open_meeting, make_participant):
    meeting = open_meeting(slug="board", title={"en": "Programme Board", "fr": "Comité"})
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    needs = make_participant(
        meeting,
        given_name="Ndèye",
        family_name="Diop",
        organisation="<b>Ministère</b> & Co",
        needs_visa_letter=True,
        nationality_code="SN",
        passport_number="A1234567",
        delegation=senegal,
    )
    also = make_participant(meeting, given_name="Aliou", family_name="Sall", needs_visa_letter=True)
    no_visa = make_participant(meeting, given_name="Karim", family_name="Benali")
    pending = make_participant(
        meeting,
        given_name="Pending",
        family_name="Person",
        needs_visa_letter=True,
        status=RegistrationStatus.SUBMITTED,
    )
    return meeting, needs, also, no_visa, pending


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")


def test_participant_downloads_their_own_letter(client, visa_people):
    meeting, needs, *_ = visa_people
    page = client.get(f"/r/{needs.token}", headers={"Accept-Language": "en"})
    assert "Visa invitation letter (PDF)" in page.get_data(as_text=True)

    response = client.get(f"/r/{needs.token}/letter.pdf?lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    text = _text(response.get_data())
    assert "Ndèye Diop" in text
    assert "Senegal" in text
    assert "A1234567" in text
    assert f"BOARD/VL/{needs.id:05d}" in text
    assert "Rabat" in text
    # Text typed by a person is printed as text, never read as markup.
    assert "<b>Ministère</b> & Co" in text


def test_letter_in_the_participants_language_by_default(client, visa_people):
    _, needs, *_ = visa_people
    needs.preferred_language = "fr"
    db.session.commit()
    text = _text(client.get(f"/r/{needs.token}/letter.pdf").get_data())
    assert "Lettre d'invitation" in text
    assert "Sénégal" in text


def test_no_letter_for_those_not_entitled_and_none_of_anothers(client, visa_people):
    _, needs, also, no_visa, pending = visa_people
    assert client.get(f"/r/{no_visa.token}/letter.pdf").status_code == 404
    assert client.get(f"/r/{pending.token}/letter.pdf").status_code == 404
    assert "letter.pdf" not in client.get(f"/r/{no_visa.token}").get_data(as_text=True)
    # A forged or shortened token gets the same 404 as an unknown one.
    assert client.get(f"/r/{needs.token[:-2]}xx/letter.pdf").status_code == 404
    assert client.get("/r/nothing/letter.pdf").status_code == 404
    # Each link gives its owner's letter only.
    text = _text(client.get(f"/r/{also.token}/letter.pdf").get_data())
    assert "Aliou Sall" in text
    assert "Diop" not in text and "A1234567" not in text


def everyone_s(client, slug: str, kind: str):
    """Every letter or certificate, as an organiser gets them without JavaScript: the
    button starts a job, the browser goes to the job's page, which links the PDF
    once it is ready (here at once: the tasks have run after the response)."""
    started = client.post(f"/manage/meetings/{slug}/{kind}/jobs?lang=en")
    assert started.status_code == 303
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'class="progress-download" href="([^"]+)"', page)
    assert link, page
    return client.get(html.unescape(link.group(1)))


def test_organisers_download_every_letter_at_once(client, organiser, visa_people):
    index = client.get("/manage/meetings/board/registrations/").get_data(as_text=True)
    assert 'action="/manage/meetings/board/letters/jobs"' in index
    response = everyone_s(client, "board", "letters")
    assert response.status_code == 200
    pdf = response.get_data()
    assert _pages(pdf) == 2  # Diop and Sall: approved and asked for one
    text = _text(pdf)
    assert "Ndèye Diop" in text and "Aliou Sall" in text
    assert "Benali" not in text and "Pending" not in text


def test_organisers_download_one_letter_from_the_registration(client, organiser, visa_people):
    meeting, needs, _, no_visa, _ = visa_people
    detail = client.get(f"/manage/meetings/board/registrations/{needs.id}")
    assert f"/registrations/{needs.id}/letter.pdf" in detail.get_data(as_text=True)
    one = client.get(f"/manage/meetings/board/registrations/{needs.id}/letter.pdf")
    assert "A1234567" in _text(one.get_data())
    refused = client.get(f"/manage/meetings/board/registrations/{no_visa.id}/letter.pdf")
    assert refused.status_code == 302


def test_hosts_and_strangers_get_no_letters(client, make_user, login, visa_people):
    assert client.post("/manage/meetings/board/letters/jobs").status_code in (302, 401)
    make_user(Role.HOST, "door@example.org")
    login("door@example.org")
    assert client.post("/manage/meetings/board/letters/jobs").status_code == 403


def test_passport_number_is_private(client, organiser, visa_people, runner, tmp_path):
    meeting, needs, *_ = visa_people
    # Organisers see it on the registration...
    detail = client.get(f"/manage/meetings/board/registrations/{needs.id}")
    assert "A1234567" in detail.get_data(as_text=True)
    # ...but not in spreadsheets, the delegation's head link or the desk's badge page.
    export = client.get("/manage/meetings/board/registrations/export.csv")
    assert "A1234567" not in export.get_data(as_text=True)
    senegal = needs.delegation
    senegal.view_token = "t" * 43
    db.session.commit()
    assert "A1234567" not in client.get(f"/d/{senegal.view_token}").get_data(as_text=True)
    badge_page = client.get(f"/desk/badge/{needs.badge_code}")
    assert badge_page.status_code == 200
    assert "A1234567" not in badge_page.get_data(as_text=True)


def test_a_changed_passport_number_is_not_written_into_the_history(client, visa_people):
    meeting, needs, *_ = visa_people
    data = registration_data(
        meeting,
        country="SN",
        email=needs.email,
        needs_visa_letter="y",
        nationality_code="SN",
        passport_number="B7654321",
    )
    response = client.post(f"/r/{needs.token}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(needs)
    assert needs.passport_number == "B7654321"
    history = "\n".join(change.details for change in needs.changes)
    assert "passport_number: (changed)" in history
    assert "B7654321" not in history and "A1234567" not in history


def test_visa_fields_are_checked_and_kept(client, open_meeting):
    meeting = open_meeting(slug="visa")
    # Bad input: a visa letter without a nationality, and markup as a passport number.
    data = registration_data(
        meeting, needs_visa_letter="y", nationality_code="", passport_number="<script>"
    )
    response = client.post("/meetings/visa/register", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose your nationality: it goes on the visa letter." in page
    assert "Letters and digits only, as printed in your passport." in page
    assert "&lt;script&gt;" in page  # what was typed is shown again, escaped
    # An unknown country code is refused too.
    data.update(nationality_code="XX", passport_number="a 123-45")
    page = client.post("/meetings/visa/register", data=data).get_data(as_text=True)
    assert "Not a valid choice" in page or "choix" in page


def _check_in(participant, day: date, hour: int = 8):
    db.session.add(
        CheckIn(
            participant_id=participant.id,
            day=day,
            checked_in_at=datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
        )
    )
    db.session.commit()


@pytest.fixture
def past_meeting(open_meeting, make_participant):
    today = datetime.now(UTC).date()
    meeting = open_meeting(
        slug="past",
        start_date=today - timedelta(days=5),
        end_date=today - timedelta(days=4),
    )
    came = make_participant(meeting, given_name="Lina", family_name="Haddad")
    _check_in(came, meeting.start_date)
    _check_in(came, meeting.end_date)
    absent = make_participant(meeting, given_name="Absent", family_name="Person")
    # A check-in made by mistake and undone at the desk does not count.
    _check_in(absent, meeting.start_date)
    db.session.execute(
        sa.update(CheckIn).where(CheckIn.participant_id == absent.id).values(cancelled_at=utcnow())
    )
    db.session.commit()
    return meeting, came, absent


def test_certificate_for_those_checked_in_after_the_meeting(client, past_meeting):
    meeting, came, absent = past_meeting
    page = client.get(f"/r/{came.token}", headers={"Accept-Language": "en"})
    assert "Certificate of attendance (PDF)" in page.get_data(as_text=True)
    response = client.get(f"/r/{came.token}/certificate.pdf?lang=en")
    assert response.status_code == 200
    text = _text(response.get_data())
    assert "Certificate of attendance" in text
    assert "Lina Haddad" in text
    assert f"{meeting.start_date.day}" in text and f"{meeting.end_date.day}" in text
    assert client.get(f"/r/{absent.token}/certificate.pdf").status_code == 404


def test_no_certificate_before_the_meeting_has_ended(client, open_meeting, make_participant):
    meeting = open_meeting(slug="now")
    today = datetime.now(UTC).date()
    meeting.start_date, meeting.end_date = today - timedelta(days=1), today + timedelta(days=1)
    came = make_participant(meeting)
    db.session.commit()
    _check_in(came, today)
    assert client.get(f"/r/{came.token}/certificate.pdf").status_code == 404
    assert "certificate.pdf" not in client.get(f"/r/{came.token}").get_data(as_text=True)


def test_organisers_bulk_certificates_only_for_attendees(client, organiser, past_meeting):
    response = everyone_s(client, "past", "certificates")
    assert response.status_code == 200
    text = _text(response.get_data())
    assert _pages(response.get_data()) == 1
    assert "Lina Haddad" in text and "Absent" not in text


def test_command_line_letters_and_purge(runner, visa_people, past_meeting, tmp_path):
    out = tmp_path / "letters.pdf"
    result = runner.invoke(args=["export", "letters", "--meeting", "board", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert _pages(out.read_bytes()) == 2

    meeting, needs, *_ = visa_people
    past, came, _ = past_meeting
    came.passport_number = "P999"
    db.session.commit()
    # A meeting still to come keeps its passport numbers: the letters are still needed.
    refused = runner.invoke(args=["privacy", "purge-passports", "--meeting", "board"])
    assert refused.exit_code != 0
    assert "has not ended" in refused.output
    result = runner.invoke(args=["privacy", "purge-passports"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert came.passport_number == ""
    assert needs.passport_number == "A1234567"


def test_letters_and_certificates_are_signed_by_the_meetings_signatory(
    client, visa_people, past_meeting
):
    """The signatory set with the meeting signs, in the letter's language (a title
    missing in that language falls back to the meeting's own): before issue 14 every
    letter was signed "The secretariat of the meeting"."""
    meeting, needs, *_ = visa_people
    past, came, _absent = past_meeting
    for m in (meeting, past):
        m.signatory_name = "Dilli Rām Śarmā"
        m.signatory_title = {
            "en": "Head of the programme secretariat",
            "fr": "Cheffe du secrétariat",
        }
    db.session.commit()
    english = _text(client.get(f"/r/{needs.token}/letter.pdf?lang=en").get_data())
    assert "Dilli Rām Śarmā\nHead of the programme secretariat" in english
    assert "The secretariat of" not in english
    french = _text(client.get(f"/r/{needs.token}/letter.pdf?lang=fr").get_data())
    assert "Dilli Rām Śarmā\nCheffe du secrétariat" in french
    spanish = _text(client.get(f"/r/{needs.token}/letter.pdf?lang=es").get_data())
    assert "Head of the programme secretariat" in spanish  # the meeting's language: en
    certificate = _text(client.get(f"/r/{came.token}/certificate.pdf?lang=en").get_data())
    assert "Dilli Rām Śarmā\nHead of the programme secretariat" in certificate


def test_a_letter_without_a_signatory_names_the_meetings_secretariat(client, visa_people):
    """No signatory yet, or a title without a name: before, the letter ended with
    "The secretariat of the meeting", which says nothing to a consulate."""
    meeting, needs, *_ = visa_people
    text = _text(client.get(f"/r/{needs.token}/letter.pdf?lang=en").get_data())
    assert "The secretariat of “Programme Board”" in text
    assert "the meeting\n" not in text
    meeting.signatory_title = {"en": "Head of the programme secretariat"}
    db.session.commit()
    text = _text(client.get(f"/r/{needs.token}/letter.pdf?lang=en").get_data())
    assert "Head of the programme secretariat" in text and "The secretariat of" not in text
