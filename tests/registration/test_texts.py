"""What participants and organisers read: a meeting's title that reads right in
any sentence, and counts of one in the singular."""

from meeting_app.accounts.models import Role
from meeting_app.registration.models import RegistrationStatus
from tests.conftest import registration_data

TITLE = "3rd Programme Board meeting"


def test_confirmation_reads_right_whatever_the_meetings_title(client, open_meeting, inbox):
    """A title without its article ("registration for 3rd Programme Board meeting"):
    the subject names it after a colon, and sentences quote it."""
    meeting = open_meeting(slug="dakar", title={"en": TITLE})
    response = client.post(
        "/meetings/dakar/register",
        data=registration_data(meeting, preferred_language="en"),
    )
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert f"your registration for “{TITLE}”" in page.get_data(as_text=True)
    (message,) = inbox.to("ndeye.diop@example.org")
    assert message["Subject"] == f"Your registration: {TITLE}"
    body = " ".join(inbox.body(message).split())
    assert f"Thank you for registering for “{TITLE}” (" in body
    assert f"for {TITLE}" not in body


def test_changing_one_registration_says_so_in_the_singular(
    client, make_user, login, open_meeting, make_participant
):
    """The flash read "1 registrations changed."."""
    meeting = open_meeting(slug="board")
    person = make_participant(meeting, status=RegistrationStatus.SUBMITTED)
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    response = client.post(
        "/manage/meetings/board/registrations/bulk",
        data={"action": "approve", "ids": [person.id]},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "1 registration changed." in html
    assert "1 registration matches" in html
