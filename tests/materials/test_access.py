"""Who may download what: public documents to anyone (of a published meeting),
participants' ones to approved participants through their private link, staff
ones to the meeting's organisers and hosts; anyone else gets a 404, never a hint.
And how files are served."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.materials.models import Visibility
from meeting_app.meetings.models import MeetingStatus
from meeting_app.registration.models import RegistrationStatus
from tests.materials import samples


@pytest.fixture
def shelf(make_meeting):
    """A meeting with a public concept note (fr, en), a participants' presentation
    and a staff report."""
    meeting = make_meeting()
    return {
        "meeting": meeting,
        Visibility.PUBLIC: samples.add_document(meeting, "Concept note", languages=("fr", "en")),
        Visibility.PARTICIPANTS: samples.add_document(
            meeting, "Presentation", visibility=Visibility.PARTICIPANTS
        ),
        Visibility.STAFF: samples.add_document(meeting, "Report", visibility=Visibility.STAFF),
    }


def _public(shelf, visibility, lang="en"):
    return f"/meetings/{shelf['meeting'].slug}/documents/{shelf[visibility].id}/{lang}"


def _private(participant, document, lang="en"):
    return f"/r/{participant.token}/documents/{document.id}/{lang}"


def _desk(shelf, visibility, lang="en"):
    return f"/desk/meetings/{shelf['meeting'].slug}/documents/{shelf[visibility].id}/{lang}"


def test_anonymous_people_get_public_documents_only(client, shelf):
    assert client.get(_public(shelf, Visibility.PUBLIC)).status_code == 200
    assert client.get(_public(shelf, Visibility.PUBLIC, "fr")).status_code == 200
    assert client.get(_public(shelf, Visibility.PUBLIC, "es")).status_code == 404  # none in es
    assert client.get(_public(shelf, Visibility.PARTICIPANTS)).status_code == 404
    assert client.get(_public(shelf, Visibility.STAFF)).status_code == 404
    # The desk's addresses want a signed-in host.
    assert client.get(_desk(shelf, Visibility.STAFF)).status_code == 302


def test_public_documents_of_a_draft_meeting_are_not_found(client, make_meeting):
    draft = make_meeting(status=MeetingStatus.DRAFT)
    document = samples.add_document(draft)
    response = client.get(f"/meetings/{draft.slug}/documents/{document.id}/en")
    assert response.status_code == 404


def test_an_approved_participant_gets_participants_and_public_documents(
    client, shelf, make_participant
):
    person = make_participant(shelf["meeting"], status=RegistrationStatus.APPROVED)
    assert client.get(_private(person, shelf[Visibility.PUBLIC])).status_code == 200
    response = client.get(_private(person, shelf[Visibility.PARTICIPANTS]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"  # a private link's page


def test_a_private_link_used_for_a_staff_document_is_not_found(client, shelf, make_participant):
    person = make_participant(shelf["meeting"], status=RegistrationStatus.APPROVED)
    assert client.get(_private(person, shelf[Visibility.STAFF])).status_code == 404


@pytest.mark.parametrize(
    "status",
    [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.DECLINED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.SUBMITTED,
    ],
)
def test_people_not_approved_do_not_get_participants_documents(
    client, shelf, make_participant, status
):
    person = make_participant(shelf["meeting"], status=status)
    assert client.get(_private(person, shelf[Visibility.PARTICIPANTS])).status_code == 404
    assert client.get(_private(person, shelf[Visibility.STAFF])).status_code == 404
    page = client.get(f"/r/{person.token}/documents/").get_data(as_text=True)
    assert "Presentation" not in page
    assert "Concept note (en)" in page  # the public ones stay theirs to read


def test_a_private_link_of_another_meeting_finds_nothing(
    client, shelf, make_meeting, make_participant
):
    elsewhere = make_participant(make_meeting(), status=RegistrationStatus.APPROVED)
    assert client.get(_private(elsewhere, shelf[Visibility.PUBLIC])).status_code == 404
    assert client.get(_private(elsewhere, shelf[Visibility.PARTICIPANTS])).status_code == 404


def test_a_forged_private_link_finds_nothing(client, shelf):
    response = client.get(f"/r/not-a-token/documents/{shelf[Visibility.PUBLIC].id}/en")
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.HOST, Role.ORGANISER])
def test_the_meetings_hosts_and_organisers_get_every_document(
    client, shelf, make_user, login, role
):
    make_user(role, "staff@example.org", meetings=[shelf["meeting"]])
    login("staff@example.org")
    for visibility in Visibility:
        assert client.get(_desk(shelf, visibility)).status_code == 200
    page = client.get(f"/desk/meetings/{shelf['meeting'].slug}/documents/").get_data(as_text=True)
    assert "Report (en)" in page and "Presentation (en)" in page and "Concept note" in page
    assert "Staff only" in page


def test_a_host_may_not_manage_documents(client, shelf, make_user, login):
    make_user(Role.HOST, "host@example.org", meetings=[shelf["meeting"]])
    login("host@example.org")
    assert client.get(f"/manage/meetings/{shelf['meeting'].slug}/documents/").status_code == 403


def test_staff_of_another_meeting_get_a_404(client, shelf, make_meeting, make_user, login):
    make_user(Role.ORGANISER, "other@example.org", meetings=[make_meeting()])
    login("other@example.org")
    assert client.get(_desk(shelf, Visibility.STAFF)).status_code == 404
    slug = shelf["meeting"].slug
    assert client.get(f"/manage/meetings/{slug}/documents/").status_code == 404


def test_another_meetings_document_id_is_not_found_on_this_meetings_pages(
    client, shelf, make_meeting, make_user, login
):
    mine = make_meeting()
    make_user(Role.ORGANISER, "org@example.org", meetings=[mine])
    login("org@example.org")
    other = shelf[Visibility.STAFF].id
    assert client.get(f"/desk/meetings/{mine.slug}/documents/{other}/en").status_code == 404
    assert client.get(f"/manage/meetings/{mine.slug}/documents/{other}/").status_code == 404
    assert client.get(f"/manage/meetings/{mine.slug}/documents/{other}/delete").status_code == 404


def test_files_are_served_with_their_type_a_name_nosniff_and_an_etag(client, shelf):
    response = client.get(_public(shelf, Visibility.PUBLIC, "fr"))
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="Concept')
    etag = response.headers["ETag"]
    again = client.get(_public(shelf, Visibility.PUBLIC, "fr"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    english = client.get(_public(shelf, Visibility.PUBLIC, "en"), headers={"If-None-Match": etag})
    assert english.status_code == 200  # another file, another tag
