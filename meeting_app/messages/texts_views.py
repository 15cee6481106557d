"""The wording of the automatic mails (mail/texts.py), each meeting's own, under
/manage/meetings/<slug>/messages/automatic/ (on the messages blueprint, whose
organiser guard covers it): the list, and one mail in one of the meeting's
languages to rewrite, preview, or reset to the shipped default."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField, TextAreaField

from meeting_app.core import placeholders
from meeting_app.core.forms import EmptyForm, Form, write_in
from meeting_app.core.i18n import language_name
from meeting_app.core.tasks import commit
from meeting_app.mail import texts
from meeting_app.meetings import services as meetings
from meeting_app.messages import automatic
from meeting_app.messages.views import bp


class MailTextForm(Form):
    subject = StringField(_l("Subject"), render_kw={"maxlength": texts.SUBJECT_MAX})
    body = TextAreaField(_l("Text"), render_kw={"rows": 18})
    # Which button: preview (the default) or save.
    action = StringField()


def error_message(error: texts.TextError) -> str:
    if error.code == "empty":
        return _("Write the subject.") if error.field == "subject" else _("Write the text.")
    if error.code == "too_long":
        return _(
            "Too long: %(limit)s characters at most.", limit=format_number(error.details["limit"])
        )
    return _(
        "Unknown placeholders: %(names)s. Use only those listed for this mail.",
        names=", ".join("{{ %s }}" % n for n in error.details["names"]),  # noqa: UP031
    )


def _mail(slug: str, key: str, language: str):
    """The meeting and the automatic mail; a key or a language the meeting does not
    have is not found."""
    meeting = meetings.get_meeting(slug)
    if key not in texts.AUTOMATIC or language not in meeting.languages:
        abort(404)
    return meeting, texts.AUTOMATIC[key]


@bp.get("/automatic/")
def automatic_texts(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "messages/automatic.html",
        meeting=meeting,
        groups=automatic.groups(meeting),
        language_name=language_name,
    )


@bp.route("/automatic/<key>/<language>", methods=["GET", "POST"])
def automatic_text(slug: str, key: str, language: str):
    meeting, mail = _mail(slug, key, language)
    subject, body, own = texts.text(meeting, key, language)
    form = MailTextForm()
    write_in(language, form.subject, form.body)
    status = 200
    if not form.is_submitted():
        form.subject.data, form.body.data = subject, body
    elif not form.validate():  # the CSRF token
        status = 400
    else:
        subject, body = form.subject.data or "", form.body.data or ""
        problems = texts.check(key, subject, body)
        for problem in problems:
            field = getattr(form, problem.field)
            field.errors = [*field.errors, error_message(problem)]
        if problems:
            status = 422
        elif form.action.data == "save":
            automatic.save(meeting, key, language, subject, body, current_user)
            commit()
            flash(_("Saved: this wording is sent from now on."), "success")
            return redirect(url_for(".automatic_text", slug=slug, key=key, language=language))
    person = automatic.preview_person(meeting, language)
    values = automatic.preview_values(meeting, key, language, person)
    preview_subject, preview_body = texts.fill(subject, body, values)
    used = placeholders.used(subject, body)
    return render_template(
        "messages/automatic_text.html",
        meeting=meeting,
        mail=mail,
        language=language,
        language_name=language_name,
        own=own,
        form=form,
        default=texts.default(key, language),
        person=person,
        preview=(preview_subject, preview_body),
        empty=[name for name in mail.placeholders if name in used and not values.get(name)],
        reset_form=EmptyForm(formdata=None),
    ), status


@bp.post("/automatic/<key>/<language>/reset")
def automatic_text_reset(slug: str, key: str, language: str):
    meeting, _mail_ = _mail(slug, key, language)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if automatic.reset(meeting, key, language, current_user):
        commit()
        flash(_("Back to the default wording."), "success")
    else:
        flash(_("This mail already had the default wording."), "info")
    return redirect(url_for(".automatic_text", slug=slug, key=key, language=language))
