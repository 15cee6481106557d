"""Organisers' agenda forms: a session (with its people) and a room."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms import Form as PlainForm
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from meeting_app.agenda.models import SessionKind, SessionRole
from meeting_app.agenda.services import (
    JOIN_URL_MAX,
    PersonInput,
    SessionInput,
    name_key,
    valid_join_url,
)
from meeting_app.core.forms import Form, choices, with_language_fields
from meeting_app.core.i18n import LANGUAGES
from meeting_app.registration.forms import no_control_characters

PERSON_ID = re.compile(r"\(#(\d+)\)\s*$")
TITLE_LABELS = {
    "fr": _l("Title in French"),
    "en": _l("Title in English"),
    "es": _l("Title in Spanish"),
    "ar": _l("Title in Arabic"),
    "ru": _l("Title in Russian"),
}
DESCRIPTION_LABELS = {
    "fr": _l("Description in French"),
    "en": _l("Description in English"),
    "es": _l("Description in Spanish"),
    "ar": _l("Description in Arabic"),
    "ru": _l("Description in Russian"),
}


class PersonRow(PlainForm):
    """One person: a registered participant chosen from the list ("Name (#12)"), a
    typed name (linked to the participant who has it; when several do, the form
    asks which, in `pick`), or a guest, not registered (`guest` ticked)."""

    name = StringField(
        _l("Person"), validators=[Optional(), Length(max=200), no_control_characters()]
    )
    role = SelectField(
        _l("Role"),
        choices=choices((r.value, r.label) for r in SessionRole),
        default=SessionRole.SPEAKER.value,
    )
    guest = BooleanField(_l("Guest (not registered)"))
    # The participant picked among namesakes, and the name the question was about:
    # a pick counts only while the row still holds that name.
    pick = StringField(validators=[Optional(), Length(max=12)])
    asked = HiddenField(validators=[Optional(), Length(max=200)])

    namesakes: tuple = ()  # (id, label) pairs when the form asks which
    registered: tuple = ()  # the labels of a guest's namesakes among the participants


def _text(label, max_length, textarea=False):
    field = TextAreaField if textarea else StringField
    return field(
        label,
        validators=[
            Optional(),
            Length(max=max_length),
            no_control_characters(allow_newlines=textarea),
        ],
    )


def _join_url(_form, field):
    if field.data and not valid_join_url(field.data):
        raise ValidationError(
            _l("Give the join link as a full https:// address, e.g. https://zoom.us/j/123456789.")
        )


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


@with_language_fields(
    title=lambda code: _text(TITLE_LABELS[code], 300),
    description=lambda code: _text(DESCRIPTION_LABELS[code], 5000, textarea=True),
)
class SessionForm(Form):
    """`title_<code>` and `description_<code>` for each language."""

    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    day = DateField(_l("Day"), validators=[DataRequired(_l("Enter the day."))])
    start = TimeField(_l("Starts at"), validators=[DataRequired(_l("Enter a time."))])
    end = TimeField(_l("Ends at"), validators=[DataRequired(_l("Enter a time."))])
    room_id = SelectField(_l("Room"))
    capacity = IntegerField(
        _l("Capacity (for workshops and visits; empty: no limit)"),
        validators=[Optional(), NumberRange(min=1, max=100_000)],
    )
    people = FieldList(FormField(PersonRow), min_entries=6, max_entries=30)
    join_url = StringField(
        _l("Join link"),
        validators=[
            Optional(),
            Length(max=JOIN_URL_MAX, message=_l("At most 500 characters.")),
            _join_url,
        ],
        filters=[_stripped],
    )
    dial_in = TextAreaField(
        _l("Dial-in details"),
        validators=[
            Optional(),
            Length(max=1000, message=_l("At most 1000 characters.")),
            no_control_characters(allow_newlines=True),
        ],
        filters=[_stripped],
    )
    revision = HiddenField()

    def __init__(self, rooms, *args, languages=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The meeting's languages: the only ones the page asks for (the others' texts,
        # if any, are carried through unchanged).
        self.languages = [lang for lang in LANGUAGES if lang in (languages or LANGUAGES)]
        self.other_languages = [lang for lang in LANGUAGES if lang not in self.languages]
        self.kind.choices = choices((k.value, k.label) for k in SessionKind)
        self.room_id.choices = choices([("", _l("No room")), *((str(r.id), r.name) for r in rooms)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(getattr(self, f"title_{lang}").data for lang in self.languages):
            first = "en" if "en" in self.languages else self.languages[0]
            getattr(self, f"title_{first}").errors.append(
                _l("Give the title in at least one language.")
            )
            valid = False
        return valid

    def data_for_service(self) -> SessionInput:
        people = []
        self._person_rows = []
        for row in self.people.entries:
            text = (row.form.name.data or "").strip()
            if not text:
                continue
            role = SessionRole(row.form.role.data)
            match = PERSON_ID.search(text)
            pick = (row.form.pick.data or "").strip()
            if match:
                person = PersonInput(role=role, participant_id=int(match.group(1)))
            elif row.form.guest.data:
                person = PersonInput(role=role, guest_name=text, keep_guest=True)
            elif (
                pick.isascii()
                and pick.isdigit()
                and name_key(row.form.asked.data or "") == name_key(text)
            ):
                person = PersonInput(role=role, participant_id=int(pick))
            else:
                person = PersonInput(role=role, guest_name=text)
            people.append(person)
            self._person_rows.append(row.form)
        return SessionInput(
            kind=SessionKind(self.kind.data),
            title={
                lang: getattr(self, f"title_{lang}").data
                for lang in LANGUAGES
                if getattr(self, f"title_{lang}").data
            },
            description={
                lang: getattr(self, f"description_{lang}").data
                for lang in LANGUAGES
                if getattr(self, f"description_{lang}").data
            },
            day=self.day.data,
            start=self.start.data,
            end=self.end.data,
            room_id=int(self.room_id.data) if self.room_id.data else None,
            capacity=self.capacity.data,
            people=people,
            join_url=self.join_url.data or "",
            dial_in=(self.dial_in.data or "").replace("\r\n", "\n"),
        )

    def ask_which(self, rows: dict) -> None:
        """After AgendaError "ambiguous_person": each row whose name fits several
        participants says so and offers them (`rows` maps the service's index of the
        person to those participants)."""
        for index, participants in rows.items():
            row = self._person_rows[index]
            row.name.errors = [
                *row.name.errors,
                _(
                    "Several participants are named %(name)s: choose which one, or "
                    "tick “Guest” if it is someone else.",
                    name=row.name.data.strip(),
                ),
            ]
            row.namesakes = tuple((p.id, person_label(p)) for p in participants)

    def _guest_rows(self) -> list:
        return [
            row.form
            for row in self.people.entries
            if row.form.guest.data
            and (row.form.name.data or "").strip()
            and not PERSON_ID.search(row.form.name.data)
        ]

    def guest_names(self) -> list[str]:
        return [row.name.data for row in self._guest_rows()]

    def note_namesakes(self, found: dict) -> None:
        """Shows, next to a guest, the participants who have the same name (`found`:
        services.namesakes): a guest saved before typed names were linked may well
        be one of them."""
        for row in self._guest_rows():
            row.registered = tuple(person_label(p) for p in found.get(name_key(row.name.data), []))

    def fill_from(self, session, tz) -> None:
        start, end = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        self.kind.data = session.kind.value
        self.day.data, self.start.data, self.end.data = start.date(), start.time(), end.time()
        self.room_id.data = str(session.room_id or "")
        self.capacity.data = session.capacity
        self.join_url.data, self.dial_in.data = session.join_url, session.dial_in
        for lang in LANGUAGES:
            getattr(self, f"title_{lang}").data = session.title.get(lang, "")
            getattr(self, f"description_{lang}").data = session.description.get(lang, "")
        for row, person in zip(self.people.entries, session.people, strict=False):
            row.form.name.data = (
                person_label(person.participant) if person.participant else person.guest_name
            )
            row.form.role.data = person.role.value
            # Saved as a guest, it stays one until the organiser says otherwise.
            row.form.guest.data = person.participant is None
        self.revision.data = str(session.revision)


def person_label(participant) -> str:
    """How a participant appears in the people field and its list of suggestions."""
    return (
        f"{participant.full_name} ({participant.organisation}) (#{participant.id})"
        if participant.organisation
        else f"{participant.full_name} (#{participant.id})"
    )


class RoomForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(_l("Give the room a name.")),
            Length(max=120),
            no_control_characters(),
        ],
    )
    capacity = IntegerField(
        _l("Capacity"), validators=[Optional(), NumberRange(min=1, max=100_000)]
    )
    notes = _text(_l("Floor and notes"), 300)
    available_from = TimeField(_l("Available from"), validators=[Optional()])
    available_until = TimeField(_l("Available until"), validators=[Optional()])
