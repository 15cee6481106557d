"""What every form renders the same way: the CSRF token without an id (pages
hold several forms), and required selects that start with an empty option."""

from collections import Counter
from html.parser import HTMLParser

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import SelectField
from wtforms.validators import DataRequired

from meeting_app.accounts.models import Role
from meeting_app.core.forms import Form, choices
from meeting_app.registration.models import RegistrationStatus


class Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: Counter = Counter()
        self.forms = 0

    def handle_starttag(self, tag, attrs):
        self.forms += tag == "form"
        self.ids.update(value for name, value in attrs if name == "id")


def test_pages_with_several_forms_have_each_id_once(
    csrf_client, csrf_login, make_user, open_meeting, make_participant
):
    """A registration's page (decision, resend, new link) and the delegations'
    page (one form per delegation) each repeated id="csrf_token"."""
    meeting = open_meeting(slug="board")
    person = make_participant(meeting, status=RegistrationStatus.SUBMITTED)
    make_user(Role.ORGANISER, "boss@example.org")
    csrf_login("boss@example.org")
    for path in (
        f"/manage/meetings/board/registrations/{person.id}",
        "/manage/meetings/board/delegations/",
    ):
        page = csrf_client.get(path).get_data(as_text=True)
        parser = Ids()
        parser.feed(page)
        assert parser.forms >= 3, path
        assert 'name="csrf_token"' in page
        assert [i for i, n in parser.ids.items() if n > 1] == [], path


class Choosing(Form):
    kind = SelectField("Kind", validators=[DataRequired(_l("Choose a kind."))])
    country = SelectField("Country", validators=[DataRequired()])
    note = SelectField("Optional")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = choices([("talk", "Talk"), ("visit", "Visit")])
        # As a sort by the reader's collation may leave them: "—" after letters.
        self.country.choices = choices([("EC", "Équateur"), ("", "—"), ("SN", "Sénégal")])
        self.note.choices = choices([("a", "A"), ("b", "B")])


def options_of(html: str) -> list[str]:
    return [part.split(">", 1)[0] for part in html.split("<option ")[1:]]


def test_a_required_select_starts_with_an_empty_placeholder(app):
    """A required select whose choices have no empty one (the session's kind) or
    whose empty one was sorted after others; then the empty choice sent."""
    with app.test_request_context():
        form = Choosing(formdata=None)
        kind = str(form.kind())
        assert kind.startswith('<select id="kind" name="kind" required>')
        assert options_of(kind) == ['selected value=""', 'value="talk"', 'value="visit"']
        assert "Choose…</option>" in kind
        assert options_of(str(form.country())) == ['value=""', 'value="EC"', 'value="SN"']
        assert options_of(str(form.note())) == ['value="a"', 'value="b"']  # not required
        form = Choosing(formdata=None, kind="visit")
        assert options_of(str(form.kind())) == [
            'value=""',
            'value="talk"',
            'selected value="visit"',
        ]

    # Sent anyway (no browser check), the empty choice gets the field's own message.
    with app.test_request_context(method="POST"):
        data = MultiDict({"kind": "", "country": "", "note": "a"})
        form = Choosing(formdata=data, meta={"csrf": False})
        assert not form.validate()
        assert form.kind.errors == ["Choose a kind."]
        assert form.country.errors == ["This field is required."]
