"""The outcome record's pages.

- Organisers (/manage/meetings/<slug>/outcomes/..., organiser role set once for the
  blueprint): minutes per session with the communiqué editor's live preview,
  decisions and action points, publishing both in versions, signing off the
  attendance register.
- The desk (/desk/meetings/<slug>/attendance-register, host role): the register
  as a page, a PDF and an XLSX; hosts read it, organisers also sign it off.
- Readers: the public versions on /meetings/<slug>/outcomes (linked from the
  session page), every version to approved participants on /r/<token>/outcomes
  and in a section of their private page.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.agenda.models import AgendaSession
from meeting_app.core.forms import EmptyForm, write_in
from meeting_app.core.i18n import LANGUAGES, Translated, current_language, language_name, localized
from meeting_app.core.tasks import commit
from meeting_app.core.views import attachment, private_page
from meeting_app.documents.pdf import RenderError
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.outcomes import decisions, exports, minutes, register, services
from meeting_app.outcomes.forms import (
    DecisionForm,
    MinutesForm,
    PreviewForm,
    PublishForm,
    SignOffForm,
)
from meeting_app.outcomes.models import Decision, DecisionStatus, OutcomeVersion
from meeting_app.privacy import audit
from meeting_app.registration import sections
from meeting_app.registration.exports import MIMETYPES
from meeting_app.registration.models import RegistrationStatus
from meeting_app.registration.services import find_by_token

bp = Blueprint("outcomes_manage", __name__, url_prefix="/manage/meetings/<slug>/outcomes")
require_role(bp, Role.ORGANISER)

desk_bp = Blueprint("outcomes_desk", __name__, url_prefix="/desk/meetings/<slug>")
require_role(desk_bp, Role.HOST)

public_bp = Blueprint("outcomes", __name__)


def error_message(error: services.OutcomeError) -> str:
    return {
        "empty": _(
            "There is nothing to publish: write the minutes in %(language)s (the "
            "meeting's main language) first.",
            language=language_name(error.details.get("language") or "en"),
        )
        if error.details.get("language")
        else _("There is nothing to publish: add a decision or action point first."),
        "unchanged": _(
            "Nothing has changed since version %(number)s, published to the same readers.",
            number=error.details.get("number"),
        ),
        "conflict": _("Someone else published at the same moment: look at the versions below."),
        "audience": _("Choose who may read this version."),
    }.get(error.code, error.code)


def audience_label(audience: str) -> str:
    return {
        services.PARTICIPANTS: _("approved participants"),
        services.PUBLIC: _("the public"),
    }.get(audience, audience)


def _user():
    return current_user._get_current_object()


def _session(meeting: Meeting, session_id: int) -> AgendaSession:
    return meetings.get_in_meeting(AgendaSession, session_id, meeting)


def _with_previous(history: list) -> list[tuple]:
    """Each version with the one before it (None for the first)."""
    return list(zip([None, *history][: len(history)], history, strict=True))


def _language_labels(meeting: Meeting) -> dict[str, str]:
    return {code: language_name(code) for code in meeting.languages}


# ---------- organisers: the overview ----------


@bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    sessions = list(
        db.session.execute(
            db.select(AgendaSession)
            .where(AgendaSession.meeting_id == meeting.id)
            .order_by(AgendaSession.starts_at, AgendaSession.id)
        ).scalars()
    )
    published = services.latest_by_subject(meeting, services.PARTICIPANTS)
    return render_template(
        "outcomes/index.html",
        meeting=meeting,
        sessions=sessions,
        written=minutes.minutes_by_session(meeting),
        published=published,
        subject=services.minutes_subject,
        decisions_count=len(decisions.decisions_of(meeting)),
        decisions_version=published.get(services.DECISIONS),
        signed=register.latest_sign_off(meeting),
        audience_label=audience_label,
        language_labels=_language_labels(meeting),
    )


# ---------- organisers: minutes ----------


@bp.route(
    f"/minutes/<int:session_id>/<any({', '.join(LANGUAGES)}):language>", methods=["GET", "POST"]
)
def edit_minutes(slug: str, session_id: int, language: str):
    meeting = meetings.get_meeting(slug)
    session = _session(meeting, session_id)
    if language not in meeting.languages:
        abort(404)
    form = MinutesForm()
    write_in(language, form.body)
    if form.validate_on_submit():
        minutes.save_text(session, language, form.body.data or "", _user())
        commit()
        flash(_("Minutes saved (not published yet)."), "success")
        return redirect(
            url_for(".edit_minutes", slug=slug, session_id=session.id, language=language)
        )
    working = minutes.minutes_of(session)
    if not form.is_submitted():
        form.body.data = ((working.text if working else None) or {}).get(language, "")
    return _minutes_page(meeting, session, language, form, working)


def _minutes_page(meeting, session, language, form, working, publish_form=None):
    subject = services.minutes_subject(session.id)
    history = services.versions(meeting, subject)
    shown_versions = [
        (
            version,
            minutes.changes(
                previous.snapshot if previous else None, version.snapshot, meeting.languages
            ),
        )
        for previous, version in _with_previous(history)
    ]
    latest = history[-1] if history else None
    pending = minutes.changes(
        latest.snapshot if latest else None,
        minutes.snapshot(session, working),
        meeting.languages,
    )
    failed = form.is_submitted() and form.errors
    return render_template(
        "outcomes/minutes.html",
        meeting=meeting,
        session=session,
        language=language,
        form=form,
        publish_form=publish_form or PublishForm(formdata=None),
        preview_html=minutes.html(form.body.data or ""),
        versions=list(reversed(shown_versions)),
        pending=[c for c in pending if c.changed],
        working=working,
        language_labels=_language_labels(meeting),
        audience_label=audience_label,
    ), (422 if failed else 200)


@bp.post("/minutes/preview")
def preview_minutes(slug: str):
    """The editor's live preview (the communiqué editor's script posts here): the
    text as sanitised HTML, as JSON."""
    meetings.get_meeting(slug)
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    return jsonify(
        title="",
        summary="",
        html=str(minutes.html(form.body.data or "")),
        unknown=[],
        message="",
    )


@bp.post("/minutes/<int:session_id>/publish")
def publish_minutes(slug: str, session_id: int):
    meeting = meetings.get_meeting(slug)
    session = _session(meeting, session_id)
    target = url_for(
        ".edit_minutes", slug=slug, session_id=session.id, language=meeting.default_language
    )

    def published(version) -> str:
        return _(
            "Version %(number)d of the minutes is published to %(readers)s.",
            number=version.number,
            readers=audience_label(version.audience),
        )

    return _publish(target, lambda audience: minutes.publish(session, audience, _user()), published)


def _publish(target: str, publish, published):
    """Publishes a version for the readers the form names (`publish(audience)`),
    then back to `target` with `published(version)` or the reason it was refused."""
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Choose who may read this version."), "error")
        return redirect(target)
    try:
        version = publish(form.audience.data)
    except services.OutcomeError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(target)
    commit()
    flash(published(version), "success")
    return redirect(target)


# ---------- organisers: decisions ----------


@bp.get("/decisions")
def decisions_page(slug: str):
    meeting = meetings.get_meeting(slug)
    history = services.versions(meeting, services.DECISIONS)
    latest = history[-1] if history else None
    listed = decisions.decisions_of(meeting)
    return render_template(
        "outcomes/decisions.html",
        meeting=meeting,
        decisions=listed,
        pending=decisions.changes(latest.snapshot if latest else None, decisions.snapshot(meeting)),
        versions=[
            (version, decisions.changes(previous.snapshot if previous else None, version.snapshot))
            for previous, version in reversed(_with_previous(history))
        ],
        publish_form=PublishForm(formdata=None),
        action_form=EmptyForm(),
        audience_label=audience_label,
        statuses={s.value: s.label for s in DecisionStatus},
    )


@bp.route("/decisions/new", methods=["GET", "POST"])
def new_decision(slug: str):
    meeting = meetings.get_meeting(slug)
    return _decision_form(meeting, None)


@bp.route("/decisions/<int:decision_id>", methods=["GET", "POST"])
def edit_decision(slug: str, decision_id: int):
    meeting = meetings.get_meeting(slug)
    decision = meetings.get_in_meeting(Decision, decision_id, meeting)
    return _decision_form(meeting, decision)


def _decision_form(meeting: Meeting, decision: Decision | None):
    form = DecisionForm(languages=meeting.languages, default_language=meeting.default_language)
    if form.validate_on_submit():
        # Texts in languages the meeting no longer uses are kept as they were.
        kept = {
            lang: text
            for lang, text in ((decision.text if decision else None) or {}).items()
            if lang not in form.languages
        }
        data = decisions.DecisionInput(
            text={**kept, **form.texts()},
            owner=form.owner.data or "",
            due_date=form.due_date.data,
            status=DecisionStatus(form.status.data),
        )
        if decision is None:
            decisions.add(meeting, data)
            flash(_("Decision added (not published yet)."), "success")
        else:
            decisions.update(decision, data)
            flash(_("Decision saved (not published yet)."), "success")
        commit()
        return redirect(url_for(".decisions_page", slug=meeting.slug))
    if not form.is_submitted():
        if decision is not None:
            for lang in form.languages:
                getattr(form, f"text_{lang}").data = (decision.text or {}).get(lang, "")
            form.owner.data = decision.owner
            form.due_date.data = decision.due_date
            form.status.data = decision.status.value
        else:
            form.status.data = DecisionStatus.OPEN.value
    return render_template(
        "outcomes/decision_form.html",
        meeting=meeting,
        decision=decision,
        form=form,
    ), (422 if form.is_submitted() else 200)


@bp.post("/decisions/<int:decision_id>/move")
def move_decision(slug: str, decision_id: int):
    meeting = meetings.get_meeting(slug)
    decision = meetings.get_in_meeting(Decision, decision_id, meeting)
    form = EmptyForm()
    direction = request.form.get("direction", "")
    if not form.validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    if decisions.move(decision, direction):
        commit()
    return redirect(url_for(".decisions_page", slug=slug) + f"#decision-{decision.id}")


@bp.post("/decisions/<int:decision_id>/delete")
def delete_decision(slug: str, decision_id: int):
    meeting = meetings.get_meeting(slug)
    decision = meetings.get_in_meeting(Decision, decision_id, meeting)
    if EmptyForm().validate_on_submit():
        decisions.delete(decision)
        commit()
        flash(_("Decision deleted (published versions keep it)."), "success")
    return redirect(url_for(".decisions_page", slug=slug))


@bp.post("/decisions/publish")
def publish_decisions(slug: str):
    meeting = meetings.get_meeting(slug)

    def published(version) -> str:
        return _(
            "Version %(number)d of the decisions is published to %(readers)s.",
            number=version.number,
            readers=audience_label(version.audience),
        )

    return _publish(
        url_for(".decisions_page", slug=slug),
        lambda audience: decisions.publish(meeting, audience, _user()),
        published,
    )


# ---------- the attendance register ----------


@bp.post("/register/sign-off")
def sign_off(slug: str):
    meeting = meetings.get_meeting(slug)
    form = SignOffForm()
    if form.validate_on_submit():
        try:
            register.sign_off(
                meeting, _user(), form.name.data, form.note.data or "", current_language()
            )
        except register.RegisterError:
            db.session.rollback()
            flash(
                _("Nobody has been checked in on the meeting's days: nothing to sign off."),
                "error",
            )
            return redirect(url_for("outcomes_desk.register_page", slug=slug))
        commit()
        flash(_("The attendance register is signed off."), "success")
        return redirect(url_for("outcomes_desk.register_page", slug=slug))
    return _register_page(meeting, form)


@desk_bp.get("/attendance-register")
def register_page(slug: str):
    meeting = meetings.get_meeting(slug)
    return _register_page(meeting, None)


def _register_page(meeting: Meeting, form: SignOffForm | None):
    language = current_language()
    built = register.build(meeting, language)
    current = register.figures(built)
    history = register.sign_offs(meeting)
    latest = history[0] if history else None
    may_sign = current_user.may(Role.ORGANISER, meeting)
    if may_sign and form is None:
        form = SignOffForm(formdata=None, name=current_user.email)
    return render_template(
        "outcomes/register.html",
        meeting=meeting,
        register=built,
        signed=latest,
        since_signed=register.figure_changes(latest.figures, current, language) if latest else [],
        history=[
            (
                item,
                register.figure_changes(older.figures if older else None, item.figures, language),
            )
            for item, older in zip(history, [*history[1:], None][: len(history)], strict=True)
        ],
        form=form if may_sign else None,
        days=[(day, exports.day_label(day, language)) for day in built.days],
        sign_off_line=exports.sign_off_line(latest, meeting.timezone, language),
    ), (422 if form is not None and form.errors else 200)


@desk_bp.get("/attendance-register.pdf")
def register_pdf(slug: str):
    return _register_file(slug, "pdf")


@desk_bp.get("/attendance-register.xlsx")
def register_xlsx(slug: str):
    return _register_file(slug, "xlsx")


def _register_file(slug: str, fmt: str):
    meeting = meetings.get_meeting(slug)
    language = current_language()
    built = register.build(meeting, language)
    signed = register.latest_sign_off(meeting)
    try:
        if fmt == "pdf":
            content = exports.register_pdf(built, signed, language)
        else:
            content = exports.register_xlsx(built, signed, language)
    except RenderError:
        db.session.rollback()
        flash(_("The PDF could not be made. Please try again."), "error")
        return redirect(url_for(".register_page", slug=slug))
    audit.record("attendance.exported", user=_user(), meeting=meeting, details=fmt)
    commit()
    return attachment(
        content,
        f"{meeting.slug}-attendance-register.{fmt}",
        MIMETYPES.get(fmt, "application/pdf"),
    )


# ---------- readers: the public and the participants ----------


@dataclass(frozen=True)
class MinutesEntry:
    session_id: int
    title: dict
    starts_at: datetime
    number: int
    published_at: datetime
    text: Translated
    changes: list  # minutes.LanguageChanges of the shown language (empty for version 1)
    previous_number: int | None


@dataclass(frozen=True)
class DecisionsEntry:
    number: int
    published_at: datetime
    items: list
    changes: list
    previous_number: int | None


def _record(meeting: Meeting, audience: str) -> tuple[DecisionsEntry | None, list[MinutesEntry]]:
    """What `audience` may read of the outcome record, ready for the pages."""
    language = current_language()
    found = services.latest_by_subject(meeting, audience)
    decided = None
    shown = found.pop(services.DECISIONS, None)
    if shown is not None:
        decided = DecisionsEntry(
            number=shown.version.number,
            published_at=shown.version.published_at,
            items=decisions.items(shown.version),
            changes=decisions.changes(shown.previous.snapshot, shown.version.snapshot)
            if shown.previous
            else [],
            previous_number=shown.previous.number if shown.previous else None,
        )
    entries = []
    for subject, pair in found.items():
        if not subject.startswith("minutes:"):
            continue
        snapshot = pair.version.snapshot
        text = localized(snapshot.get("text"), meeting.default_language, language)
        changes = []
        if pair.previous is not None:
            changes = [
                c
                for c in minutes.changes(pair.previous.snapshot, snapshot, [text.language])
                if c.changed
            ]
        entries.append(
            MinutesEntry(
                session_id=snapshot["session"]["id"],
                title=snapshot["session"]["title"],
                starts_at=datetime.fromisoformat(snapshot["session"]["starts_at"]),
                number=pair.version.number,
                published_at=pair.version.published_at,
                text=text,
                changes=changes,
                previous_number=pair.previous.number if pair.previous else None,
            )
        )
    entries.sort(key=lambda e: (e.starts_at, e.session_id))
    return decided, entries


def _render_record(meeting: Meeting, audience: str, participant=None):
    decided, entries = _record(meeting, audience)
    return render_template(
        "outcomes/record.html",
        meeting=meeting,
        participant=participant,
        decided=decided,
        entries=entries,
        html=minutes.html,
        statuses={s.value: s.label for s in DecisionStatus},
    )


@public_bp.get("/meetings/<slug>/outcomes")
def public_record(slug: str):
    meeting = meetings.get_public_meeting(slug)
    return _render_record(meeting, services.PUBLIC)


def _approved_participant(token: str):
    """The participant of this private link if approved; anyone else (cancelled,
    declined, waiting, unknown link) gets the same 404."""
    participant = find_by_token(token)
    if participant is None or participant.status != RegistrationStatus.APPROVED:
        abort(404)
    return participant


@public_bp.get("/r/<token>/outcomes")
def participant_record(token: str):
    participant = _approved_participant(token)
    return private_page(_render_record(participant.meeting, services.PARTICIPANTS, participant))


@sections.section(60)
def _private_page_section(participant):
    """A link to the outcome record on an approved participant's private page, once
    anything of it is published."""
    if participant.status != RegistrationStatus.APPROVED:
        return None
    found = services.latest_by_subject(participant.meeting, services.PARTICIPANTS)
    if not found:
        return None
    return "outcomes/_section.html", {
        "minutes": sum(1 for subject in found if subject.startswith("minutes:")),
        "decisions": services.DECISIONS in found,
    }


@public_bp.app_template_global()
def published_minutes_url(meeting: Meeting, session_id: int) -> str | None:
    """The public outcome page's entry for this session's minutes, if public ones
    exist (the session page links to it)."""
    exists = db.session.scalar(
        db.select(sa.func.count())
        .select_from(OutcomeVersion)
        .where(
            OutcomeVersion.meeting_id == meeting.id,
            OutcomeVersion.subject == services.minutes_subject(session_id),
            OutcomeVersion.audience == services.PUBLIC,
        )
    )
    if not exists:
        return None
    return url_for("outcomes.public_record", slug=meeting.slug) + f"#minutes-{session_id}"
