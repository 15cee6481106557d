"""Small helpers every domain's forms share."""

import functools
from collections.abc import Iterable

from babel import support
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length


def choices(pairs: Iterable[tuple]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms' SelectChoice (tuples are deprecated)."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


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


class Form(FlaskForm):
    """Our forms' base: WTForms' own messages ("Not a valid choice.") in the reader's
    language, loaded once per language rather than once per request."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return _wtforms_translations(str(get_locale() or "en"))


class EmptyForm(Form):
    """A POST with nothing but its CSRF token (resend, new link, remove)."""
