"""Small helpers every domain's forms share."""

import functools
from collections.abc import Callable, Iterable

import wtforms
from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import EmailField, FieldList, FormField, PasswordField, StringField
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import HiddenInput, Select, html_params

from meeting_app.core.i18n import LANGUAGES, text_direction


class SelectField(wtforms.SelectField):
    """WTForms' select, whose check that the answer is one of the choices is a set
    look-up, made once per list of choices: the same rule, without an object built
    for every option at each validation (250 countries, for each of the 5,000 rows
    an import checks with one form)."""

    _allowed: tuple = (None, frozenset())

    def pre_validate(self, form):
        if self.process_errors or not self.validate_choice:
            return
        if self.choices is None:
            raise TypeError(self.gettext("Choices cannot be None."))
        if self._allowed[0] is not self.choices:
            self._allowed = (
                self.choices,
                {self.coerce(c.value) for c in self._choices_from_input(self.choices)},
            )
        if self.data not in self._allowed[1]:
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice (tuples are deprecated)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def typed_in(language: str) -> dict[str, str]:
    """The attributes of an input whose text is in `language`: its `lang` (spelling,
    fonts, screen readers) and its `dir`, so that Arabic is typed right to left on
    a French page, and French left to right on an Arabic one."""
    return {"lang": language, "dir": text_direction(language)}


def write_in(language: str, *fields) -> None:
    """Marks the (bound) fields of a form written in one language at a time (a
    communiqué's version, a mail's wording, minutes) as typed in `language`."""
    for field in fields:
        field.render_kw = {**(field.render_kw or {}), **typed_in(language)}


def with_language_fields(typed: bool = True, **makers: Callable[[str], object]):
    """A class decorator for content written in each language: for each
    `name=make`, the form gets a field `<name>_<code>` per language of
    core.i18n.LANGUAGES, built by `make(code)` (an unbound field) and, unless
    `typed` is false (a file), typed in that language (`typed_in`). A language
    added to the list gets its fields everywhere at once."""

    def decorate(form_class):
        for name, make in makers.items():
            for code in LANGUAGES:
                unbound = make(code)
                if typed:
                    unbound.kwargs["render_kw"] = {
                        **(unbound.kwargs.get("render_kw") or {}),
                        **typed_in(code),
                    }
                setattr(form_class, f"{name}_{code}", unbound)
        return form_class

    return decorate


def email_field(label=None) -> EmailField:
    """An e-mail address: required, checked for its form (not its deliverability:
    no network look-ups), trimmed."""
    return EmailField(
        label or _l("E-mail"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
    )


@functools.cache
def _wtforms_translations(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def one_line_break(value: str) -> str:
    """Windows' CR LF and old Macs' lone CR as LF: a lone CR is written raw into
    calendars and strict parsers (vobject) then refuse the whole feed."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _normalise_line_breaks(fields) -> None:
    for field in fields:
        if isinstance(field, FormField):
            _normalise_line_breaks(field.form)
        elif isinstance(field, FieldList):
            _normalise_line_breaks(field.entries)
        # A password is compared byte for byte: never rewritten.
        elif (
            isinstance(field, StringField)
            and not isinstance(field, PasswordField)
            and isinstance(field.data, str)
        ):
            field.data = one_line_break(field.data)


class HiddenInputWithoutId(HiddenInput):
    """Hidden fields (the CSRF token, a revision number) without an id: pages with
    several forms would repeat id="csrf_token" (ids must be unique), and no label
    or script refers to a hidden field by its id."""

    def __call__(self, field, **kwargs):
        return super().__call__(field, **{"id": False, **kwargs})


class RequiredSelect(Select):
    """A required select whose first option is the empty one, "Choose…" if the
    choices have none: HTML wants it so (the browser then refuses to send nothing
    chosen, and the field's own message says what to do if it is sent anyway). The
    empty option is put first here, at rendering, so that sorting the choices by
    the reader's collation, wherever it is done, cannot move it."""

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("required", True)
        if field.flags.disabled:
            kwargs.setdefault("disabled", True)
        options = list(field.iter_choices())
        empty = [o for o in options if o.value in ("", None)] or [
            Choice("", _l("Choose…"), not any(o.selected for o in options), None)
        ]
        rest = [o for o in options if o.value not in ("", None)]
        return Markup("<select {}>{}</select>").format(
            html_params(name=field.name, **kwargs),
            Markup("").join(self.render_option(option) for option in empty + rest),
        )


class Form(FlaskForm):
    """Our forms' base: WTForms' own messages ("Not a valid choice.") in the reader's
    language, loaded once per language rather than once per request; and every text
    field (text areas, e-mail and search fields, rows of nested forms too) with one
    kind of line break, whatever the browser or the pasted text sent."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale() or "en"))

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            if type(field.widget) is HiddenInput:
                field.widget = HiddenInputWithoutId()
            elif type(field.widget) is Select and field.flags.required:
                field.widget = RequiredSelect(multiple=field.widget.multiple)
            return field

    def process(self, *args, **kwargs):
        super().process(*args, **kwargs)
        _normalise_line_breaks(self)


class EmptyForm(Form):
    """A POST with nothing but its CSRF token (resend, new link, remove)."""
