"""Every form of every domain keeps one kind of line break: what Windows (CR LF) and
old Macs or pasted text (a lone CR) send is stored as LF."""

from datetime import date

from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, PasswordField, StringField, TextAreaField
from wtforms import Form as PlainForm

from meeting_app.accounts.models import Role
from meeting_app.agenda import services
from meeting_app.core.forms import Form


class Row(PlainForm):
    name = StringField()


class Sample(Form):
    title = StringField()
    notes = TextAreaField()
    password = PasswordField()
    rows = FieldList(FormField(Row), min_entries=1)


def test_every_text_field_gets_lf_only_and_passwords_are_left_alone(app):
    """Bad input: CR LF and lone CRs in a text field, a text area, a field of a
    nested row, and a password (compared as typed, never rewritten)."""
    with app.test_request_context(method="POST"):
        data = MultiDict(
            {
                "title": "One\rtwo",
                "notes": "Line 1\r\nLine 2\rLine 3\n\rLine 5",
                "password": "pa\rss",
                "rows-0-name": "A\r\nB",
            }
        )
        form = Sample(formdata=data, meta={"csrf": False})
        assert form.title.data == "One\ntwo"
        assert form.notes.data == "Line 1\nLine 2\nLine 3\n\nLine 5"
        assert form.rows.entries[0].form.name.data == "A\nB"
        assert form.password.data == "pa\rss"


def test_a_description_typed_in_the_agenda_form_is_stored_with_lf(client, make_user, login, rabat):
    """Bad input: a session description as a browser on Windows sends it (CR LF) and
    as pasted from an old Mac text (lone CR)."""
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")
    response = client.post(
        "/manage/meetings/rabat/agenda/sessions/new",
        data={
            "kind": "panel",
            "day": date(2022, 6, 13).isoformat(),
            "start": "09:00",
            "end": "10:00",
            "room_id": "",
            "title_en": "Opening",
            "description_en": "Welcome.\r\nAgenda:\r1. Opening",
            "revision": "",
        },
    )
    assert response.status_code == 302
    (session,) = services.sessions_of(rabat)
    assert session.description == {"en": "Welcome.\nAgenda:\n1. Opening"}
