"""Where documents are shown: public ones on the meeting page, the session page,
the public agenda and the documents page; participants' ones on the private page
and in "My programme". The reader's language is offered first, and the page says
which languages exist."""

from datetime import time

import pytest

from meeting_app.agenda import attendance
from meeting_app.agenda import services as agenda
from meeting_app.extensions import db
from meeting_app.materials import services
from meeting_app.materials.models import DocumentKind, Visibility
from meeting_app.registration.models import RegistrationStatus
from tests.materials import samples

EN = {"Accept-Language": "en"}


@pytest.fixture
def rabat_documents(rabat, add_session):
    """Rabat (languages fr, en, es) with a published session; a public concept
    note in French and English, a French-only background paper on the session, a
    participants' presentation on the session and a staff report."""
    session = add_session(title="Opening panel", start=time(9), end=time(10))
    agenda.publish(rabat)
    db.session.commit()
    samples.add_document(rabat, "Concept note", languages=("fr", "en"))
    samples.add_document(
        rabat,
        "Background",
        kind=DocumentKind.BACKGROUND_PAPER,
        session=session,
        languages=("fr",),
    )
    samples.add_document(
        rabat,
        "Slides",
        kind=DocumentKind.PRESENTATION,
        visibility=Visibility.PARTICIPANTS,
        session=session,
    )
    samples.add_document(rabat, "Report", visibility=Visibility.STAFF, kind=DocumentKind.REPORT)
    return rabat, session


def _text(client, url, headers=EN):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_public_pages_list_the_public_documents_only(client, rabat_documents):
    meeting, session = rabat_documents
    meeting_page = _text(client, f"/meetings/{meeting.slug}/")
    assert "Concept note (en)" in meeting_page
    assert f'href="/meetings/{meeting.slug}/documents/"' in meeting_page
    session_page = _text(client, f"/meetings/{meeting.slug}/sessions/{session.id}")
    assert "Background (fr)" in session_page and "Concept note" not in session_page
    agenda_page = _text(client, f"/meetings/{meeting.slug}/agenda")
    assert "Background (fr)" in agenda_page
    documents = _text(client, f"/meetings/{meeting.slug}/documents/")
    assert "Concept note (en)" in documents and "Background (fr)" in documents
    for page in (meeting_page, session_page, agenda_page, documents):
        assert "Slides" not in page and "Report" not in page


def test_the_readers_language_comes_first_and_the_languages_are_named(client, rabat_documents):
    meeting, _session = rabat_documents
    english = _text(client, f"/meetings/{meeting.slug}/documents/")
    assert "Available in: English, French." in english
    assert english.index("Download in English") < english.index("Download in French")
    assert "Available in: French. Not available in English." in english
    first = _first_id(meeting)
    french = _text(client, f"/meetings/{meeting.slug}/documents/", {"Accept-Language": "fr"})
    assert french.index(f"/{first}/fr") < french.index(f"/{first}/en")


def _first_id(meeting):
    return services.listed(meeting, services.STAFF)[0].id


def test_an_approved_participant_sees_their_documents_on_the_private_page(
    client, rabat_documents, make_participant
):
    meeting, _session = rabat_documents
    person = make_participant(meeting, status=RegistrationStatus.APPROVED)
    private = _text(client, f"/r/{person.token}")
    assert "Meeting documents" in private and "Concept note (en)" in private
    assert "including 2 documents of the sessions" in private
    page = _text(client, f"/r/{person.token}/documents/")
    assert "Slides (en)" in page and "Background (fr)" in page and "Report" not in page
    assert f'href="/r/{person.token}/documents/' in page


def test_a_cancelled_participant_sees_only_the_public_documents(
    client, rabat_documents, make_participant
):
    meeting, _session = rabat_documents
    person = make_participant(meeting, status=RegistrationStatus.CANCELLED)
    page = _text(client, f"/r/{person.token}/documents/")
    assert "Slides" not in page and "Report" not in page and "Concept note (en)" in page


def test_my_programme_lists_the_documents_of_the_chosen_sessions(
    client, rabat_documents, make_participant
):
    meeting, session = rabat_documents
    person = make_participant(meeting, status=RegistrationStatus.APPROVED)
    before = _text(client, f"/r/{person.token}/programme")
    assert "Slides (en)" not in before
    attendance.attend(person, session)
    db.session.commit()
    after = _text(client, f"/r/{person.token}/programme")
    assert "Slides (en)" in after and "Background (fr)" in after
    assert f"/r/{person.token}/documents/" in after


def test_the_personal_calendar_links_a_session_to_the_persons_documents(
    client, rabat_documents, make_participant
):
    meeting, session = rabat_documents
    person = make_participant(meeting, status=RegistrationStatus.APPROVED)
    attendance.attend(person, session)
    db.session.commit()
    feed = client.get(f"/r/{person.token}/programme.ics").get_data(as_text=True)
    unfolded = feed.replace("\r\n ", "")
    assert f"/r/{person.token}/documents/#session-{session.id}" in unfolded
    public = client.get(f"/meetings/{meeting.slug}/agenda.ics").get_data(as_text=True)
    assert "/documents/" not in public.replace("\r\n ", "")
