"""Organisers' messages to participants under /manage/meetings/<slug>/messages
(organiser role of that meeting, set once for the blueprint): the log, composing
with its preview, a test to oneself, sending now or later, and each message's
deliveries (also as CSV)."""

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from babel.units import format_unit
from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import format_number, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.agenda.models import AgendaSession
from meeting_app.core.forms import EmptyForm, write_in
from meeting_app.core.i18n import current_language, language_name, localized
from meeting_app.core.security import public_base_url
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import MB, accepts_upload
from meeting_app.core.views import attachment
from meeting_app.extensions import db
from meeting_app.mail.models import MailAttachment
from meeting_app.meetings import services as meetings
from meeting_app.messages import attachments, filters, placeholders, services
from meeting_app.messages.forms import ComposeForm, TextForm
from meeting_app.messages.models import OPEN_STATES, Message, MessageState
from meeting_app.questions.answers import option_label, text
from meeting_app.questions.models import FormQuestion
from meeting_app.registration import exports
from meeting_app.registration.queries import value_token

bp = Blueprint("messages_manage", __name__, url_prefix="/manage/meetings/<slug>/messages")
require_role(bp, Role.ORGANISER)


def error_message(error: services.MessageError) -> str:
    language = (
        language_name(error.details.get("language", "")) if error.details.get("language") else ""
    )
    return {
        "empty_subject": _(
            "Write the subject in %(language)s (the meeting's main language).", language=language
        ),
        "empty_body": _(
            "Write the text in %(language)s (the meeting's main language).", language=language
        ),
        "body_too_long": _(
            "The %(language)s text is too long: %(limit)s characters at most.",
            language=language,
            limit=format_number(services.BODY_MAX),
        ),
        "unknown_placeholders": _(
            "Unknown placeholders: %(names)s. Correct or remove them before sending.",
            names=", ".join("{{ %s }}" % n for n in error.details.get("names", ())),  # noqa: UP031
        ),
        "in_past": _("Choose a time in the future, or leave it empty to send now."),
        "nobody": _("This filter matches nobody: widen it or choose people by name."),
        "heads_without_delegations": _(
            "Select the delegations whose heads should receive it, or untick this box."
        ),
    }.get(error.code, error.code)


def file_size(size: int) -> str:
    """'120 kB', '2.4 MB' in the reader's language (the 413 page's units)."""
    if size < MB:
        return format_unit(
            max(1, round(size / 1000)), "digital-kilobyte", "short", locale=get_locale()
        )
    return format_unit(round(size / MB, 1), "digital-megabyte", "short", locale=get_locale())


def attachment_error(error: attachments.AttachmentError) -> str:
    limit = file_size(attachments.max_bytes())
    return {
        "too_large": _("This file is larger than %(limit)s: attach a smaller one.", limit=limit),
        "too_large_together": _(
            "With this file, the attachments would come to more than %(limit)s: "
            "remove one, or attach a smaller file.",
            limit=limit,
        ),
        "not_pdf": _("This file is not a PDF document, whatever its name says: attach a PDF."),
        "encrypted": _("This PDF is protected by a password: attach a copy without one."),
        "javascript": _(
            "This PDF contains JavaScript, which is not sent to participants: attach a "
            "copy without scripts (printing it to a PDF removes them)."
        ),
    }.get(error.code, error.code)


def _upload_limit() -> int:
    # The files, and the form's texts around them (three languages of long text).
    return attachments.max_bytes() + 2 * MB


def _context(meeting):
    sessions = [
        (s.id, localized(s.title, meeting.default_language).text)
        for s in db.session.execute(
            sa.select(AgendaSession)
            .filter_by(meeting_id=meeting.id)
            .order_by(AgendaSession.starts_at)
        ).scalars()
    ]
    days = [
        meeting.start_date + timedelta(days=n)
        for n in range((meeting.end_date - meeting.start_date).days + 1)
    ]
    return sessions, days


def _text_forms(meeting, message=None):
    forms = {}
    for code in meeting.languages:
        form = TextForm(prefix=f"t_{code}")
        write_in(code, form.subject, form.body)
        if message is not None and not form.is_submitted():
            text = message.text(code)
            form.subject.data, form.body.data = text["subject"], text["body"]
        forms[code] = form
    return forms


def _local_to_utc(meeting, value: datetime | None):
    if value is None:
        return None
    return value.replace(tzinfo=meeting.tz).astimezone(UTC)


@bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    messages = (
        db.session.execute(
            sa.select(Message)
            .filter_by(meeting_id=meeting.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
        )
        .scalars()
        .all()
    )
    return render_template("messages/index.html", meeting=meeting, messages=messages)


@bp.route("/new", methods=["GET", "POST"])
@accepts_upload(_upload_limit)
def new(slug: str):
    return _compose(meetings.get_meeting(slug), None)


@bp.route("/<int:message_id>/", methods=["GET", "POST"])
@accepts_upload(_upload_limit)
def edit(slug: str, message_id: int):
    meeting = meetings.get_meeting(slug)
    message = meetings.get_in_meeting(Message, message_id, meeting)
    if message.state not in OPEN_STATES:
        # A reload or second click after sending: it went once, nothing more to do.
        if request.method == "POST":
            flash(
                _("This message has been sent or cancelled already: nothing was changed."), "error"
            )
        return redirect(url_for(".detail", slug=slug, message_id=message.id))
    return _compose(meeting, message)


# The buttons that show the page again (with what was typed), saving nothing.
SHOWING = ("preview", "find", "attach")


def _compose(meeting, message):
    form = ComposeForm(meeting, *_context(meeting))
    texts_forms = _text_forms(meeting, message)
    submitted = form.is_submitted()
    saved = filters.Criteria.from_dict(message.criteria if message else {})
    if message is not None and not submitted:
        form.fill_criteria(saved)
        form.booklet.data = attachments.wants_booklet(message.attachments)
        if message.send_at:
            form.send_at.data = message.send_at.astimezone(meeting.tz).replace(tzinfo=None)
    # Who may be ticked: the people chosen (posted, or the saved message's), and
    # those the search finds; never the whole meeting.
    chosen = filters.people(meeting, form.people.data if submitted else saved.people)
    query = (form.people_query.data or "").strip() if submitted else ""
    found = filters.search(meeting, query, filters.SEARCH_LIMIT + 1) if query else []
    chosen_ids = {p.id for p in chosen}
    matches = [p for p in found[: filters.SEARCH_LIMIT] if p.id not in chosen_ids]
    form.offer_people([*chosen, *matches])
    criteria = form.criteria() if submitted else saved
    texts = {
        code: {"subject": (f.subject.data or "").strip(), "body": f.body.data or ""}
        for code, f in texts_forms.items()
    }
    booklet_available = attachments.booklet_available(meeting)
    kept = attachments.uploads(
        meeting,
        form.kept_uploads.data
        if submitted
        else attachments.upload_ids(message.attachments if message else []),
    )
    base_url = public_base_url()
    status = 200
    if submitted:
        action = form.action.data or "preview"
        valid = form.validate()
        removed = request.form.get("remove_upload", type=int)
        kept = [a for a in kept if a.id != removed]
        uploaded = _take_upload(meeting, form, kept)
        valid = valid and uploaded is not False
        files = attachments.listed(booklet_available and form.booklet.data, kept)
        send_at = _local_to_utc(meeting, form.send_at.data) if valid else None
        problems = services.check(meeting, texts, criteria, send_at) if valid else []
        if action in SHOWING or not valid or (problems and action != "save"):
            status = 200 if valid and action in SHOWING else 422
            _show(problems, form, texts_forms)
            if uploaded:
                commit()  # the file stays listed, whatever becomes of the rest
        else:
            message = services.save(
                message or Message(meeting=meeting),
                texts=texts,
                criteria=criteria,
                send_at=send_at,
                user=current_user._get_current_object(),
                files=files,
            )
            if action == "test":
                services.send_test(texts, meeting, criteria, current_user, base_url, files)
                commit()
                flash(_("A test was sent to %(address)s.", address=current_user.email), "success")
            elif action == "send" and send_at is None:
                sent = services.start_sending(message, base_url, current_user._get_current_object())
                commit()
                if sent:
                    flash(_("The message is being sent."), "success")
                return redirect(url_for(".detail", slug=meeting.slug, message_id=message.id))
            elif action == "send":
                message.state = MessageState.SCHEDULED
                message.base_url = base_url
                commit()
                flash(_("The message is scheduled."), "success")
                return redirect(url_for(".detail", slug=meeting.slug, message_id=message.id))
            else:
                message.state = MessageState.DRAFT
                commit()
                flash(_("Saved as a draft."), "success")
            return redirect(url_for(".edit", slug=meeting.slug, message_id=message.id))
    preview = services.preview(meeting, texts, criteria, base_url)
    return render_template(
        "messages/compose.html",
        meeting=meeting,
        message=message,
        form=form,
        texts_forms=texts_forms,
        preview=preview,
        count=len(preview.recipients),
        placeholder_names=placeholders.PLACEHOLDERS,
        language_name=language_name,
        send_label=_send_label(len(preview.recipients)),
        cancel_form=EmptyForm(formdata=None),
        chosen=chosen,
        query=query,
        matches=matches,
        more=len(found) > filters.SEARCH_LIMIT,
        booklet_available=booklet_available,
        uploads=kept,
        upload_limit=file_size(attachments.max_bytes()),
        file_size=file_size,
    ), status


def _take_upload(meeting, form, kept: list) -> bool | None:
    """Stores the file sent with the form, if any, and adds it to `kept`: True;
    False if it was refused (the reason under the field); None if none was sent."""
    if not form.upload.data:
        return None
    try:
        stored = attachments.upload(
            meeting,
            form.upload.data.filename,
            form.upload.data.read(attachments.max_bytes() + 1),
            kept,
        )
    except attachments.AttachmentError as error:
        form.upload.errors = [attachment_error(error)]
        return False
    if stored not in kept:  # the same file attached again
        kept.append(stored)
    return True


@bp.get("/people")
def find_people(slug: str):
    """The people matching ?q= as checkboxes to tick (the compose page's script
    puts them in place; without it, the page's Find button does the same)."""
    meeting = meetings.get_meeting(slug)
    query = request.args.get("q", "").strip()[:200]
    found = filters.search(meeting, query, filters.SEARCH_LIMIT + 1) if query else []
    response = make_response(
        render_template(
            "messages/_people_matches.html",
            query=query,
            matches=found[: filters.SEARCH_LIMIT],
            more=len(found) > filters.SEARCH_LIMIT,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/files/<int:attachment_id>")
def download_file(slug: str, attachment_id: int):
    """A file attached to one of the meeting's messages, as it is sent."""
    meeting = meetings.get_meeting(slug)
    stored = meetings.get_in_meeting(MailAttachment, attachment_id, meeting)
    return send_file(
        io.BytesIO(stored.content),
        mimetype=stored.content_type,
        as_attachment=True,
        download_name=stored.filename,
        max_age=0,
    )


def _send_label(count: int) -> str:
    if not count:
        return _("Nobody to send to")
    return ngettext("Send to %(num)d person", "Send to %(num)d people", count)


def _show(problems, form, texts_forms) -> None:
    """Each problem under its field (a language's subject or text, the time, the
    people), or above the form."""
    for problem in problems:
        if problem.field.startswith(("subject_", "body_")):
            part, code = problem.field.split("_", 1)
            target = getattr(texts_forms[code], part)
        else:
            target = getattr(form, problem.field, None)
        if target is None:
            form.form_errors.append(error_message(problem))
        else:  # a field not validated yet has a tuple of errors
            target.errors = [*target.errors, error_message(problem)]


@bp.post("/<int:message_id>/cancel")
def cancel(slug: str, message_id: int):
    meeting = meetings.get_meeting(slug)
    message = meetings.get_in_meeting(Message, message_id, meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.cancel(message):
        commit()
        flash(_("The message is cancelled: it will not be sent."), "success")
    else:
        flash(_("This message has gone already, or was cancelled."), "error")
    return redirect(url_for(".detail", slug=slug, message_id=message.id))


@bp.get("/<int:message_id>/log")
def detail(slug: str, message_id: int):
    meeting = meetings.get_meeting(slug)
    message = meetings.get_in_meeting(Message, message_id, meeting)
    return render_template(
        "messages/detail.html",
        meeting=meeting,
        message=message,
        criteria=_criteria_lines(meeting, filters.Criteria.from_dict(message.criteria)),
        booklet=attachments.wants_booklet(message.attachments),
        uploads=attachments.uploads(meeting, attachments.upload_ids(message.attachments)),
        file_size=file_size,
        rows=services.delivery_rows(message),
        cancel_form=EmptyForm(formdata=None),
        language_name=language_name,
    )


def _criteria_lines(meeting, criteria: filters.Criteria) -> list[tuple[str, str]]:
    """The filter as it was, in words."""
    form = ComposeForm(meeting, *_context(meeting), formdata=None)
    form.offer_people(filters.people(meeting, criteria.people))
    form.fill_criteria(criteria)
    lines = []
    for name in ("statuses", "delegations", "categories", "roles", "languages", "people"):
        field = getattr(form, name)
        picked = [str(c.label) for c in field.choices if c.value in (field.data or ())]
        if picked:
            lines.append((str(field.label.text), ", ".join(picked)))
    for name in ("visa_letter", "heads_of_delegations"):
        if getattr(criteria, name):
            lines.append((str(getattr(form, name).label.text), _("Yes")))
    for name in ("checked_in", "session_id"):
        field = getattr(form, name)
        for c in field.choices:
            if field.data and c.value == field.data:
                lines.append((str(field.label.text), str(c.label)))
    # An answer's values by their labels, also when the question or the value is no
    # longer offered (archived since, or a country nobody answers any more).
    language = current_language()
    offered = {c.question.id: c for c in form.answer_questions}
    for item in criteria.answers:
        choice = offered.get(item["question"])
        question = choice.question if choice else db.session.get(FormQuestion, item["question"])
        if question is None or question.meeting_id != meeting.id:
            continue
        names = dict(choice.values) if choice else {}
        values = [
            names.get(value_token(v))
            or ((_("Yes") if v else _("No")) if isinstance(v, bool) else None)
            or option_label(question, v, meeting, language)
            for v in item["values"]
        ]
        label = text(question.label, meeting, language) or question.key
        lines.append((label, ", ".join(values)))
    return lines


@bp.get("/<int:message_id>/recipients.csv")
def export(slug: str, message_id: int):
    meeting = meetings.get_meeting(slug)
    message = meetings.get_in_meeting(Message, message_id, meeting)
    rows = [
        [
            r.participant.family_name,
            r.participant.given_name,
            r.participant.email,
            r.language,
            mail.status.label if mail else "",
            mail.last_error if mail else "",
            mail.attempts if mail else 0,
            mail.sent_at.isoformat() if mail and mail.sent_at else "",
        ]
        for r, mail in services.delivery_rows(message)
    ]
    header = [
        _("Family name"),
        _("Given name"),
        _("E-mail"),
        _("Language"),
        _("Delivery"),
        _("Reason"),
        _("Attempts"),
        _("Sent at"),
    ]
    return attachment(
        exports.to_csv(header, rows),
        f"{meeting.slug}-message-{message.id}.csv",
        "text/csv; charset=utf-8",
    )
