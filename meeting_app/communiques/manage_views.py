"""Organisers' communiqué pages under /manage/communiques (organiser role, set once
for the blueprint): the list, a new communiqué, each language version's editor with
its live preview, the workflow (review, publish, schedule, unpublish) and the
versions with their differences."""

from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import (
    SITE_WIDE,
    for_staff_of_any_meeting,
    meetings_where,
    require_role,
)
from meeting_app.communiques import markup, services
from meeting_app.communiques.forms import (
    EditTextForm,
    NewCommuniqueForm,
    PreviewForm,
    ScheduleForm,
    WorkflowForm,
)
from meeting_app.communiques.models import Communique
from meeting_app.core.database import requested_page
from meeting_app.core.forms import write_in
from meeting_app.core.i18n import LANGUAGES, language_name, localized
from meeting_app.core.tasks import commit
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting


def _meeting_of(view_args: dict):
    """A communiqué is its meeting's organisers'; one about no meeting is the
    administrators'."""
    if "communique_id" not in view_args:
        return SITE_WIDE
    communique = db.session.get(Communique, view_args["communique_id"])
    if communique is None:
        return None
    return communique.meeting or SITE_WIDE


bp = Blueprint("communiques_manage", __name__, url_prefix="/manage/communiques")
require_role(bp, Role.ORGANISER, _meeting_of)


def action_label(action: str) -> str:
    return {
        "created": _("Created"),
        "saved": _("Saved"),
        "review_requested": _("Review requested"),
        "returned": _("Returned to draft"),
        "published": _("Published"),
        "scheduled": _("Scheduled"),
        "unpublished": _("Unpublished"),
    }.get(action, action)


def error_message(error: services.CommuniqueError) -> str:
    language = error.details.get("language")
    name = language_labels().get(language, language or "")
    return {
        "stale": _(
            "Someone else saved this communiqué after you opened it (it is now at version "
            "%(version)s). Nothing of yours was saved or lost: your text is below, and the "
            "differences with theirs are shown. Save again to replace their version.",
            version=error.details.get("current_version"),
        ),
        "slug_locked": _("The address cannot change once the communiqué has been published."),
        "slug_invalid": _("Use lower-case letters, digits and single hyphens only."),
        "slug_taken": _("Another communiqué already uses (or used) this address."),
        "no_default_text": _(
            "The %(language)s version (the communiqué's main language) is missing.",
            language=name,
        ),
        "empty_title": _("The %(language)s version has no title.", language=name),
        "empty_body": _(
            "The %(language)s version has no text: write it before publishing.", language=name
        ),
        "unknown_placeholders": _(
            "The %(language)s version uses placeholders that do not exist: %(names)s. "
            "Correct or remove them before publishing.",
            language=name,
            names=", ".join("{{%s}}" % n for n in error.details.get("names", ())),  # noqa: UP031
        ),
        "schedule_in_past": _("Choose a time in the future to schedule the publication."),
        "schedule_while_public": _(
            "This communiqué is public: publish your changes now, or unpublish it before "
            "scheduling a publication."
        ),
        "own_review": _(
            "You asked for this communiqué to be reviewed: another organiser publishes it."
        ),
        "not_published": _("This communiqué is not published."),
        "published_once": _(
            "A communiqué that has been published is kept, with its address and its "
            "versions: unpublish it instead."
        ),
        "not_draft": _("Only a draft can be sent for review."),
        "not_in_review": _("This communiqué is not waiting for a review."),
    }.get(error.code, error.code)


def language_labels() -> dict[str, str]:
    return {code: language_name(code) for code in current_app.config["LANGUAGES"]}


def written_languages(communique: Communique) -> list[str]:
    """The versions its editor offers: its meeting's languages, and any other it
    already has a text in."""
    meeting = communique.meeting
    return [
        code
        for code in current_app.config["LANGUAGES"]
        if meeting is None or code in (meeting.languages or ()) or communique.text(code)
    ]


def _meeting_choices() -> list[tuple[int, str]]:
    """The meetings the signed-in organiser may write a communiqué for."""
    meetings = db.session.execute(
        db.select(Meeting)
        .filter(meetings_where(current_user, Role.ORGANISER))
        .order_by(Meeting.start_date.desc())
    ).scalars()
    return [(m.id, localized(m.title, m.default_language).text) for m in meetings]


def _organised(meeting_id: int | None) -> Meeting | None:
    """The meeting posted with a form, if the signed-in organiser organises it."""
    meeting = db.session.get(Meeting, meeting_id) if meeting_id else None
    if meeting is None or not current_user.may(Role.ORGANISER, meeting):
        return None
    return meeting


def _communique(communique_id: int) -> Communique:
    return db.get_or_404(Communique, communique_id)


def _version(form) -> int:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return -1  # a tampered or missing version: treated as out of date


@bp.get("/")
@for_staff_of_any_meeting
def index():
    page = db.paginate(
        db.select(Communique)
        .options(
            sa.orm.selectinload(Communique.texts),
            sa.orm.selectinload(Communique.meeting),
        )
        .filter(meetings_where(current_user, Role.ORGANISER, Communique.meeting_id))
        .order_by(Communique.updated_at.desc(), Communique.id.desc()),
        page=requested_page(),
        per_page=50,
        error_out=False,
    )
    return render_template("communiques/manage/index.html", page=page, communiques=page.items)


@bp.route("/new", methods=["GET", "POST"])
@for_staff_of_any_meeting
def new():
    form = NewCommuniqueForm(_meeting_choices())
    if form.validate_on_submit():
        meeting = _organised(form.meeting_id.data)
        if meeting is None:
            abort(404)
        if form.language.data not in meeting.languages:
            form.language.errors.append(
                _(
                    "This meeting's content is written in %(languages)s only.",
                    languages=", ".join(language_name(code) for code in meeting.languages),
                )
            )
        else:
            communique = services.create_communique(
                meeting,
                language=form.language.data,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                sdgs=form.sdgs.data,
                user=current_user._get_current_object(),
            )
            commit()
            flash(_("Communiqué saved as a draft."), "success")
            return redirect(
                url_for(".edit", communique_id=communique.id, language=form.language.data)
            )
    if not form.is_submitted():
        form.language.data = current_app.config["BABEL_DEFAULT_LOCALE"]
    return render_template(
        "communiques/manage/new.html",
        form=form,
        placeholder_names=markup.PLACEHOLDERS,
        placeholders={},
        preview=None,
        preview_message="",
        language=form.language.data,
    ), (422 if form.errors else 200)


@bp.get("/<int:communique_id>/")
def overview(communique_id: int):
    communique = _communique(communique_id)
    return redirect(
        url_for(".edit", communique_id=communique.id, language=communique.default_language)
    )


@bp.route(f"/<int:communique_id>/<any({', '.join(LANGUAGES)}):language>", methods=["GET", "POST"])
def edit(communique_id: int, language: str):
    communique = _communique(communique_id)
    if language not in written_languages(communique):
        abort(404)
    locked = communique.first_published_at is not None
    form = EditTextForm(slug_locked=locked)
    write_in(language, form.title, form.summary, form.body)
    text = communique.text(language)
    conflict = None
    if form.validate_on_submit():
        try:
            services.save_text(
                communique,
                language=language,
                title=form.title.data,
                summary=form.summary.data,
                body=form.body.data,
                sdgs=form.sdgs.data,
                slug=None if locked else form.slug.data,
                expected_version=_version(form),
                user=current_user._get_current_object(),
            )
        except services.StaleCommunique as error:
            db.session.rollback()
            communique = _communique(communique_id)
            text = communique.text(language)
            # Theirs against what this organiser typed: what saving again would change.
            conflict = services.diff(
                services.snapshot(communique),
                {
                    **services.snapshot(communique),
                    "texts": {
                        **services.snapshot(communique)["texts"],
                        language: {
                            "title": form.title.data,
                            "summary": form.summary.data,
                            "body": form.body.data,
                        },
                    },
                },
            )
            form.version.data = str(communique.version)
            form.form_errors.append(error_message(error))
        except services.CommuniqueError as error:
            db.session.rollback()
            communique = _communique(communique_id)
            target = getattr(form, error.field or "", None)
            (target.errors if target is not None else form.form_errors).append(error_message(error))
        else:
            commit()
            flash(_("Saved (version %(version)d).", version=communique.version), "success")
            return redirect(url_for(".edit", communique_id=communique.id, language=language))
    elif not form.is_submitted():
        form.version.data = str(communique.version)
        form.sdgs.data = communique.sdgs
        if not locked:
            form.slug.data = communique.slug
        if text is not None:
            form.title.data, form.summary.data, form.body.data = text.title, text.summary, text.body
    preview = services.preview(
        communique.meeting,
        language,
        form.title.data or "",
        form.summary.data or "",
        form.body.data or "",
    )
    failed = form.is_submitted()
    return render_template(
        "communiques/manage/edit.html",
        communique=communique,
        language=language,
        text=text,
        form=form,
        conflict=conflict,
        preview=preview,
        preview_message=unknown_message(preview.unknown),
        placeholder_names=markup.PLACEHOLDERS,
        placeholders=services.placeholder_values(communique.meeting, language),
        problems=[error_message(p) for p in services.publication_problems(communique)],
        workflow=WorkflowForm(formdata=None, version=str(communique.version)),
        schedule=ScheduleForm(formdata=None, version=str(communique.version)),
        language_labels=language_labels(),
        tab_languages=written_languages(communique),
        timezone=_zone_name(communique),
    ), (409 if conflict else 422 if failed else 200)


@bp.post("/preview")
@for_staff_of_any_meeting
def preview():
    """The live preview: the text as it would be published now, as JSON for the
    editor's script (the HTML is sanitised; unknown placeholders are listed)."""
    form = PreviewForm()
    if not form.validate_on_submit() or form.language.data not in current_app.config["LANGUAGES"]:
        abort(400)
    meeting = _organised(form.meeting_id.data)
    result = services.preview(
        meeting, form.language.data, form.title.data, form.summary.data, form.body.data
    )
    return jsonify(
        title=result.title,
        summary=result.summary,
        html=str(result.html),
        unknown=result.unknown,
        message=unknown_message(result.unknown),
    )


def unknown_message(names: list[str]) -> str:
    if not names:
        return ""
    return _(
        "Unknown placeholders: %(names)s. They are highlighted in the preview and "
        "block publishing.",
        names=", ".join("{{%s}}" % n for n in names),  # noqa: UP031
    )


def _zone_name(communique: Communique) -> str:
    return communique.meeting.timezone if communique.meeting else "UTC"


def _workflow(communique_id: int, change, form_class=WorkflowForm, done: str = ""):
    communique = _communique(communique_id)
    form = form_class()
    target = url_for(".edit", communique_id=communique.id, language=communique.default_language)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(target)
    try:
        change(communique, form)
    except services.StaleCommunique:
        db.session.rollback()
        flash(
            _(
                "Someone else changed this communiqué after you opened it, so nothing was "
                "done: check the version below and try again."
            ),
            "error",
        )
        return redirect(target)
    except services.CommuniqueError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(target)
    commit()
    flash(done, "success")
    return redirect(target)


def _user():
    return current_user._get_current_object()


@bp.post("/<int:communique_id>/publish")
def publish(communique_id: int):
    return _workflow(
        communique_id,
        lambda c, form: services.publish(c, expected_version=_version(form), user=_user()),
        done=_("Published: the communiqué is public now."),
    )


@bp.post("/<int:communique_id>/schedule")
def schedule(communique_id: int):
    def change(communique, form):
        zone = ZoneInfo(_zone_name(communique))
        at = form.at.data.replace(tzinfo=zone)
        services.publish(communique, expected_version=_version(form), user=_user(), at=at)

    return _workflow(
        communique_id,
        change,
        ScheduleForm,
        done=_("Scheduled: the communiqué becomes public at the time chosen."),
    )


@bp.post("/<int:communique_id>/unpublish")
def unpublish(communique_id: int):
    return _workflow(
        communique_id,
        lambda c, form: services.unpublish(c, expected_version=_version(form), user=_user()),
        done=_("Unpublished: the communiqué is a draft again and no longer public."),
    )


@bp.post("/<int:communique_id>/review")
def request_review(communique_id: int):
    return _workflow(
        communique_id,
        lambda c, form: services.request_review(c, expected_version=_version(form), user=_user()),
        done=_("Sent for review: another organiser can now publish it."),
    )


@bp.post("/<int:communique_id>/return")
def return_to_draft(communique_id: int):
    return _workflow(
        communique_id,
        lambda c, form: services.return_to_draft(c, expected_version=_version(form), user=_user()),
        done=_("Returned to draft."),
    )


@bp.post("/<int:communique_id>/delete")
def delete(communique_id: int):
    communique = _communique(communique_id)
    form = WorkflowForm()
    if form.validate_on_submit():
        try:
            services.delete_draft(communique, expected_version=_version(form))
        except services.StaleCommunique:
            db.session.rollback()
            flash(
                _(
                    "Someone else changed this communiqué after you opened it, so nothing was "
                    "done: check the version below and try again."
                ),
                "error",
            )
        except services.CommuniqueError as error:
            db.session.rollback()
            flash(error_message(error), "error")
        else:
            commit()
            flash(_("Draft deleted."), "success")
            return redirect(url_for(".index"))
    return redirect(url_for(".overview", communique_id=communique_id))


@bp.get("/<int:communique_id>/versions")
def versions(communique_id: int):
    communique = _communique(communique_id)
    return render_template(
        "communiques/manage/versions.html",
        communique=communique,
        action_label=action_label,
    )


@bp.get("/<int:communique_id>/versions/<int:number>")
def version_diff(communique_id: int, number: int):
    communique = _communique(communique_id)
    revision = services.get_revision(communique, number)
    previous = services.previous_revision(revision)
    return render_template(
        "communiques/manage/diff.html",
        communique=communique,
        revision=revision,
        previous=previous,
        changes=services.diff(previous.snapshot if previous else {}, revision.snapshot),
        action_label=action_label,
        language_labels=language_labels(),
    )
