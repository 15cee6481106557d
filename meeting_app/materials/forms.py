"""The organisers' document form: titles in the meeting's languages, kind,
visibility, session, and a file per language (each checked by its content when
it is stored, services.check)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, Length, Optional

from meeting_app.agenda.forms import TITLE_LABELS
from meeting_app.core.forms import Form, SelectField, choices, with_language_fields
from meeting_app.core.i18n import LANGUAGES
from meeting_app.materials.models import DocumentKind, Visibility
from meeting_app.materials.services import TITLE_MAX, DocumentInput
from meeting_app.registration.forms import no_control_characters

WHOLE_MEETING = ""
FILE_LABELS = {
    "fr": _l("File in French"),
    "en": _l("File in English"),
    "es": _l("File in Spanish"),
    "ar": _l("File in Arabic"),
    "ru": _l("File in Russian"),
}


def _title(label):
    return StringField(
        label,
        validators=[Optional(), Length(max=TITLE_MAX), no_control_characters()],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


@with_language_fields(file=lambda code: FileField(FILE_LABELS[code]), typed=False)
@with_language_fields(title=lambda code: _title(TITLE_LABELS[code]))
class DocumentForm(Form):
    """`title_<code>` and `file_<code>` for each language."""

    kind = SelectField(_l("Kind"), validators=[DataRequired()])
    visibility = RadioField(_l("Who may see it"), validators=[DataRequired()])
    session_id = SelectField(_l("Attached to"))

    def __init__(self, languages, sessions, *args, **kwargs):
        """`sessions`: (id, label) pairs of the meeting's sessions."""
        super().__init__(*args, **kwargs)
        self.languages = [lang for lang in LANGUAGES if lang in languages]
        self.kind.choices = choices((k.value, k.label) for k in DocumentKind)
        self.visibility.choices = choices((v.value, v.label) for v in Visibility)
        self.session_id.choices = choices(
            [(WHOLE_MEETING, _l("The whole meeting")), *((str(i), label) for i, label in sessions)]
        )

    def title_fields(self):
        return [getattr(self, f"title_{lang}") for lang in self.languages]

    def file_fields(self):
        return [getattr(self, f"file_{lang}") for lang in self.languages]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(field.data for field in self.title_fields()):
            self.title_fields()[0].errors.append(_l("Give the title in at least one language."))
            valid = False
        return valid

    def fill_from(self, document) -> None:
        for lang in self.languages:
            getattr(self, f"title_{lang}").data = document.title.get(lang, "")
        self.kind.data = document.kind.value
        self.visibility.data = document.visibility.value
        self.session_id.data = str(document.session_id) if document.session_id else WHOLE_MEETING

    def values(self) -> DocumentInput:
        session = self.session_id.data or WHOLE_MEETING
        return DocumentInput(
            title={lang: getattr(self, f"title_{lang}").data or "" for lang in self.languages},
            kind=DocumentKind(self.kind.data),
            visibility=Visibility(self.visibility.data),
            session_id=int(session) if session != WHOLE_MEETING else None,
        )

    def uploads(self):
        """(language, field) of each file chosen."""
        return [
            (lang, field)
            for lang, field in zip(self.languages, self.file_fields(), strict=True)
            if field.data is not None and getattr(field.data, "filename", None)
        ]
