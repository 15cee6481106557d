"""Every automatic mail goes as text and HTML, from the meeting's name, with the
meeting's contact address as Reply-To: received by a real SMTP server (aiosmtpd),
its HTML checked by a strict HTML5 parser, hostile names and titles escaped in
the HTML and kept out of the headers' structure."""

import io
from datetime import date, time

import html5lib
import icalendar
import pytest
from PIL import Image

from meeting_app.accounts.models import Role
from meeting_app.agenda import services as agenda_services
from meeting_app.agenda.models import AgendaSession
from meeting_app.core import placeholders
from meeting_app.core.tasks import commit
from meeting_app.documents import logo
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.registration import services as registration
from meeting_app.registration.models import RegistrationStatus
from tests.conftest import registration_data

# Bad input tried: markup, quotes, a comma and an address in a name, a line break
# followed by a header, a spreadsheet formula.
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_FAMILY = "\"O'Brien\", =cmd|' /C calc'!A0"
# Every automatic mail is tried with this one.
HOSTILE_GIVEN, HOSTILE_SURNAME = "<script>alert(1)</script>", '"O\'Brien" & Co'
HOSTILE_TITLE = "Evil \"Board\", <boss@evil.example>\r\nBcc: victim@evil.example =cmd|'/C calc'!A0"
# What the headers may carry: nothing a line break in the data could have added.
HEADERS = {
    "From",
    "To",
    "Reply-To",
    "Subject",
    "Date",
    "Message-ID",
    "Content-Type",
    "Content-Transfer-Encoding",
    "MIME-Version",
    "Content-Language",
}


def _parts(message) -> list[str]:
    """The content types of the alternatives, in order."""
    assert message.get_content_type() == "multipart/alternative"
    return [part.get_content_type() for part in message.iter_parts()]


def _html(message) -> tuple[str, object]:
    """The HTML part's source and its tree; the strict parser raises on any HTML5
    parse error (a missing doctype, a stray or unclosed tag, a bad attribute)."""
    html = message.get_body(preferencelist=("html",)).get_content()
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    return html, tree


def _links(tree) -> set[str]:
    return {a.get("href") for a in tree.iter("a")}


def _headers_are_sound(message) -> None:
    assert set(message.keys()) <= HEADERS
    assert "Bcc" not in message
    for name, value in message.items():
        assert "\r" not in str(value) and "\n" not in str(value), name


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(participant) -> str:
    return f"http://localhost/r/{participant.token}"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "#0a66c2").save(out, format="PNG")
    return logo.prepare(out.getvalue())


def test_confirmation_is_text_and_valid_html_from_the_meeting_with_a_hostile_name(
    client, open_meeting, inbox
):
    meeting = open_meeting(
        slug="html",
        title={"en": HOSTILE_TITLE, "fr": HOSTILE_TITLE},
        contact_email="secretariat@board.example.org",
    )
    meeting.logo_png = _png()
    db.session.commit()
    client.post(
        "/meetings/html/register",
        data=registration_data(
            meeting, given_name=HOSTILE_NAME, family_name=HOSTILE_FAMILY, preferred_language="en"
        ),
    )
    (message,) = inbox.to("ndeye.diop@example.org")
    participant = meeting.participants[0]
    # Text first, then HTML (with the logo beside it, as a related part).
    assert _parts(message) == ["text/plain", "multipart/related"]
    html_part, image = message.get_payload()[1].iter_parts()
    assert html_part.get_content_type() == "text/html"
    assert image.get_content_type() == "image/png" and image["Content-ID"] == "<logo@meeting>"
    html, tree = _html(message)
    assert 'src="cid:logo@meeting"' in html
    assert "<script>" not in html and "alert(1)" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE_NAME in "".join(tree.find("body").itertext())
    assert _link(participant) in _links(tree)
    # The text part is complete on its own.
    text = _text(message)
    assert HOSTILE_NAME in text and _link(participant) in text
    # The meeting's name, on one line, is the sender's name, the address the
    # configured one; the contact address answers.
    _headers_are_sound(message)
    one_line = " ".join(HOSTILE_TITLE.split())
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (one_line, "secretariat@example.org")
    assert str(message["Reply-To"]) == "secretariat@board.example.org"
    assert one_line in str(message["Subject"])
    assert [str(a) for a in message["To"].addresses] == ["ndeye.diop@example.org"]


def test_a_decision_with_its_invitation_is_text_html_and_calendar(
    client, rabat, make_participant, make_user, login, inbox
):
    person = make_participant(
        rabat,
        status=RegistrationStatus.SUBMITTED,
        email="amina@example.org",
        preferred_language="fr",
        given_name=HOSTILE_NAME,
        family_name=HOSTILE_FAMILY,
    )
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post(
        f"/manage/meetings/rabat/registrations/{person.id}/status", data={"action": "approve"}
    )
    (message,) = inbox.to("amina@example.org")
    # The invitation stays an alternative of its own: Outlook shows it as one.
    assert _parts(message) == ["text/plain", "text/html", "text/calendar"]
    assert message.get_payload()[2].get_param("method") == "REQUEST"
    html, tree = _html(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "cid:" not in html  # no logo: no image at all
    assert _link(person) in _links(tree)
    _headers_are_sound(message)
    assert message["From"].addresses[0].display_name == "Réunion du comité 1"  # in French
    assert "Reply-To" not in message  # the meeting has no contact address


def test_the_private_link_again_is_a_link_in_the_html(client, open_meeting, inbox):
    meeting = open_meeting(slug="again")
    client.post(
        "/meetings/again/register",
        data=registration_data(meeting, given_name=HOSTILE_NAME, preferred_language="en"),
    )
    inbox.clear()
    client.post("/meetings/again/register/link", data={"email": "ndeye.diop@example.org"})
    (message,) = inbox.to("ndeye.diop@example.org")
    assert _parts(message) == ["text/plain", "text/html"]
    html, tree = _html(message)
    participant = meeting.participants[0]
    (anchor,) = [a for a in tree.iter("a") if a.get("href") == _link(participant)]
    assert anchor.text == _link(participant)
    assert "&lt;script&gt;" in html and "<script>" not in html
    _headers_are_sound(message)


def test_an_agenda_change_is_text_html_and_its_calendar_update(
    client, rabat, add_session, make_participant, make_user, login, inbox
):
    panel = add_session(title="Panel <b>2</b>", start=time(14), end=time(15), room="Salle B")
    agenda_services.publish(rabat)
    db.session.commit()
    attendee = make_participant(
        rabat, email="attendee@example.org", preferred_language="en", given_name=HOSTILE_NAME
    )
    client.post(f"/r/{attendee.token}/programme/{panel.id}", data={"attend": "1"})
    session = db.session.get(AgendaSession, panel.id)
    agenda_services.move_session(
        rabat,
        session,
        day=date(2022, 6, 13),
        start=time(15),
        end=time(16),
        room_id=session.room_id,
        expected_revision=session.revision,
    )
    db.session.commit()
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    inbox.clear()
    client.post("/manage/meetings/rabat/agenda/publish", data={"notify": "1"})
    (message,) = inbox.to("attendee@example.org")
    assert _parts(message) == ["text/plain", "text/html", "text/calendar"]
    calendar = message.get_payload()[2]
    assert calendar.get_param("method") == "PUBLISH"
    (event,) = icalendar.Calendar.from_ical(calendar.get_content()).walk("VEVENT")
    assert int(event["sequence"]) == 1
    html, tree = _html(message)
    # The session's title and the name are text in the HTML, not markup.
    assert "Panel &lt;b&gt;2&lt;/b&gt;" in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert not list(tree.iter("b")) and not list(tree.iter("script"))
    assert _link(attendee) + "/programme" in _links(tree)  # their programme
    _headers_are_sound(message)


@pytest.mark.parametrize(
    "colours, accent",
    [
        ({}, "#0b2e59"),  # the first category's default colour
        ({"national_government": "#ffeb3b"}, "#ffeb3b"),  # light: dark text on it
        ({"national_government": "red;background:url(x)"}, "#0b2e59"),  # not a colour
    ],
)
def test_the_layout_takes_the_meetings_colour_inline(app_context, make_meeting, colours, accent):
    from meeting_app.mail.services import html_version

    meeting = make_meeting(badge_colours=colours)
    html = html_version("Subject", "Hello,\n\nSee https://example.org/a.\nBye", "en", meeting)
    html5lib.HTMLParser(strict=True).parse(html)
    assert f"background-color:{accent};" in html
    assert "url(x)" not in html
    if accent == "#ffeb3b":
        assert "color:#000000;" in html  # the heading's text reads on yellow
        assert 'style="color:#0b2e59;" href="https://example.org/a"' in html  # links too
    assert "<p" in html and "<br>" in html


@pytest.mark.parametrize("key", list(texts.AUTOMATIC))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_automatic_mail_is_valid_html_and_escapes_what_people_typed(
    app, make_meeting, make_participant, inbox, key, language
):
    """Each automatic mail, in its default wording, with a hostile name, title,
    organisers' note and session title in every value that can carry them."""
    meeting = make_meeting(
        title={"en": HOSTILE_TITLE, "fr": HOSTILE_TITLE},
        contact_email="secretariat@board.example.org",
        languages=["en", "fr"],
    )
    meeting.logo_png = _png()
    person = make_participant(
        meeting,
        given_name=HOSTILE_GIVEN,
        family_name=HOSTILE_SURNAME,
        badge_name=HOSTILE_GIVEN,
        organisation="R&D <b>Lab</b>",
        email="hostile@example.org",
        preferred_language=language,
        decision_reason='<i>Full</i> & "closed"',
        needs_visa_letter=True,
    )
    with app.test_request_context():
        values = registration.mail_values(person)
        values["situation"] = registration.situation_text(person, values["meeting"])
        values["sessions"] = "- <b>Panel</b> & more: 09:00–10:00, Salle B"
        values["closes"] = "1 June 2030, 18:00"
        values["survey_link"] = "https://example.org/r/x/survey"
        # A focal point's mails (delegations/mails.py) have these besides.
        values |= {
            "focal_point_link": "https://example.org/d/x",
            "invitation_link": "https://example.org/i/x",
            "focal_point": "<b>Focal</b> & point",
            "nominee": HOSTILE_GIVEN,
            "status": "approved",
        }
        texts.queue(person.email, key, language, values, kind="test", meeting=meeting)
        commit()
    (message,) = inbox.to("hostile@example.org")
    assert _parts(message) == ["text/plain", "multipart/related"]  # the logo beside the HTML
    html, tree = _html(message)
    for tag in ("script", "b", "i"):
        assert f"<{tag}>" not in html and not list(tree.iter(tag))
    shown = "".join(tree.find("body").itertext())
    text = _text(message)
    # Every default greets the person by name; the HTML escapes it, the text keeps it.
    name = f"{HOSTILE_GIVEN} {HOSTILE_SURNAME}"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;O&#39;Brien&#34; &amp; Co" in html
    assert name in shown and name in text
    used = placeholders.used(*texts.default(key, language))
    escaped = {
        "note": "&lt;i&gt;Full&lt;/i&gt; &amp; &#34;closed&#34;",
        "details": "R&amp;D &lt;b&gt;Lab&lt;/b&gt;",
        "sessions": "- &lt;b&gt;Panel&lt;/b&gt; &amp; more",
    }
    for placeholder, shown_as in escaped.items():
        if placeholder in used:
            assert shown_as in html, placeholder
    if "private_link" in used:
        assert _link(person) in _links(tree)
    assert "{{" not in shown and "{{" not in text
    _headers_are_sound(message)
    assert " ".join(HOSTILE_TITLE.split()) in str(message["Subject"])
