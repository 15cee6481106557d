"""The compose form: who (the filter), what (a subject and body per language, the
files that go with it), when."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    Field,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length, Optional

from meeting_app.core.forms import Form, choices
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language, language_name
from meeting_app.messages import filters
from meeting_app.registration.models import Category, ParticipantRole, RegistrationStatus
from meeting_app.registration.queries import typed_value, value_choices, value_token
from meeting_app.registration.services import delegation_choices


class CheckBoxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _ints(values):
    return [int(v) for v in values or () if str(v).isdigit()]


class IdList(Field):
    """Ids sent back by hidden inputs of one name (the files a message keeps); the
    template writes the inputs, the view checks the ids are the meeting's."""

    def process_formdata(self, valuelist):
        self.data = _ints(valuelist)

    def process_data(self, value):
        self.data = list(value or ())


class ComposeForm(Form):
    statuses = CheckBoxes(_l("Status"))
    delegations = CheckBoxes(_l("Delegation"), coerce=int)
    categories = CheckBoxes(_l("Category"))
    roles = CheckBoxes(_l("Role"))
    languages = CheckBoxes(_l("Preferred language"))
    visa_letter = BooleanField(_l("Only those who asked for a visa letter"))
    checked_in = SelectField(_l("Checked in"), default="")
    session_id = SelectField(_l("People who chose the session"), default="")
    heads_of_delegations = BooleanField(
        _l("The heads of the selected delegations, whatever the other criteria")
    )
    # "<question id>=<value>": the template shows them grouped by question.
    answers = CheckBoxes(_l("Answers to the registration form"))
    # Only the people chosen and those a search found are choices: a meeting of
    # thousands is not written into the page.
    people = CheckBoxes(
        _l("People chosen by name (added to the filter's)"),
        coerce=int,
        invalid_choice_message=_l(
            "Someone chosen is not, or no longer, a participant of this meeting: they "
            "were left out."
        ),
    )
    people_query = SearchField(_l("Find people by name or e-mail"), validators=[Length(max=200)])
    booklet = BooleanField(_l("The programme booklet (PDF), in each person's language"))
    upload = FileField(_l("Attach a PDF"), render_kw={"accept": ".pdf,application/pdf"})
    kept_uploads = IdList()
    send_at = DateTimeLocalField(
        _l("Send at (the meeting's local time; leave empty to send now)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    # Which button: preview (the default), save, test, send.
    action = StringField()

    def __init__(self, meeting, sessions, days, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statuses.choices = choices((s.value, s.label) for s in RegistrationStatus)
        # In the reader's language and its alphabetical order.
        self.delegations.choices = choices(delegation_choices(meeting, current_language()))
        self.categories.choices = choices((c.value, c.label) for c in Category)
        self.roles.choices = choices((r.value, r.label) for r in ParticipantRole)
        self.languages.choices = choices((code, language_name(code)) for code in LANGUAGE_NAMES)
        self.checked_in.choices = choices(
            [
                ("", _l("Whether checked in or not")),
                (filters.CHECKED_IN_ANY, _l("Checked in on any day")),
                (filters.CHECKED_IN_NEVER, _l("Not checked in at all")),
                *((day.isoformat(), day.isoformat()) for day in days),
            ]
        )
        self.session_id.choices = choices([("", "—"), *((str(i), label) for i, label in sessions)])
        self.people.choices = []
        # The yes/no, choice and country questions, each with the values to tick.
        self.answer_questions = value_choices(meeting, current_language())
        self.answers.choices = [
            (f"{c.question.id}={value}", label)
            for c in self.answer_questions
            for value, label in c.values
        ]

    def offer_people(self, people) -> None:
        """The people who may be ticked: those chosen already and those found, all
        of the meeting (filters.people, filters.search). An id posted for anyone
        else is refused as a choice that was not offered."""
        self.people.choices = choices((p.id, p.full_name) for p in people)

    def criteria(self) -> filters.Criteria:
        return filters.Criteria(
            statuses=list(self.statuses.data or ()),
            delegations=_ints(self.delegations.data),
            categories=list(self.categories.data or ()),
            roles=list(self.roles.data or ()),
            languages=list(self.languages.data or ()),
            visa_letter=bool(self.visa_letter.data),
            checked_in=self.checked_in.data or "",
            session_id=int(self.session_id.data)
            if (self.session_id.data or "").isdigit()
            else None,
            people=[i for i in _ints(self.people.data) if i in self._offered()],
            heads_of_delegations=bool(self.heads_of_delegations.data),
            answers=self._answer_criteria(),
        )

    def _answer_criteria(self) -> list[dict]:
        # In the order offered (the form's options), whatever the order posted.
        ticked = set(self.answers.data or ())
        found = []
        for choice in self.answer_questions:
            values = [
                typed_value(choice.question, value)
                for value, _label in choice.values
                if f"{choice.question.id}={value}" in ticked
            ]
            if values:
                found.append({"question": choice.question.id, "values": values})
        return found

    def answer_groups(self) -> list[tuple]:
        """(question's label, its checkboxes) for each question with values to tick."""
        boxes = {box.data: box for box in self.answers}
        return [
            (
                choice.label,
                [boxes[f"{choice.question.id}={value}"] for value, _label in choice.values],
            )
            for choice in self.answer_questions
            if choice.values
        ]

    def _offered(self) -> set[int]:
        return {c.value for c in self.people.choices}

    def fill_criteria(self, criteria: filters.Criteria) -> None:
        for name, value in criteria.to_dict().items():
            getattr(self, name).data = value
        self.session_id.data = str(criteria.session_id or "")
        self.answers.data = [
            f"{item['question']}={value_token(value)}"
            for item in criteria.answers
            for value in item["values"]
        ]


class TextForm(Form):
    """One language's subject and body (a prefix per language)."""

    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Text"))
