"""The form builder under /manage/meetings/<slug>/form (organiser role of that
meeting, set once for the blueprint): the meeting's questions in order, each added,
changed, moved, archived or deleted, and restored; the built-in fields the meeting
hides. The page's drag and drop posts the new order to `reorder`; the up and down
buttons do the same without JavaScript."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_number, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.database import as_id
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language, language_name
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import MB
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.meetings.services import countries_by_name
from meeting_app.questions import services
from meeting_app.questions.answers import questions_of, text
from meeting_app.questions.forms import BLANK_OPTION_ROWS, BuiltinFieldsForm, question_form
from meeting_app.questions.models import FormQuestion, QuestionType
from meeting_app.registration.models import Category

CATEGORY_VALUES = frozenset(c.value for c in Category)

bp = Blueprint("questions_manage", __name__, url_prefix="/manage/meetings/<slug>/form")
require_role(bp, Role.ORGANISER)

# The built-in fields every form asks for, as the page names them.
ALWAYS_ASKED = (
    _l("Title, given and family names"),
    _l("E-mail"),
    _l("Organisation"),
    _l("Delegation"),
    _l("Category"),
    _l("Preferred language for e-mails"),
    _l("Acknowledgement of how their data is used"),
)


def error_message(error: services.QuestionError, meeting) -> str:
    details = error.details

    def label(key: str = "label") -> str:
        value = details.get(key, "")
        return text(value, meeting, None) if isinstance(value, dict) else str(value)

    language = language_name(details["language"]) if details.get("language") else ""
    count = details.get("count", 0)
    return {
        "label_missing": _(
            "Write the question in %(language)s (the meeting's main language).",
            language=language,
        ),
        "type_answered": ngettext(
            "%(num)d person answered this question, so its type cannot change: archive "
            "it (its answers are kept) and add a new question of the other type.",
            "%(num)d people answered this question, so its type cannot change: archive "
            "it (its answers are kept) and add a new question of the other type.",
            count,
        ),
        "key_invalid": _(
            "Use letters a–z, digits and underscores only, at most %(max)s characters.",
            max=services.KEY_MAX,
        ),
        "key_taken": _(
            "Another question of this meeting has the key “%(key)s” (archived questions "
            "keep theirs): choose another.",
            key=details.get("key", ""),
        ),
        "category_unknown": _("Choose among the categories listed."),
        "options_missing": _("Write at least one option, one per row."),
        "option_label_missing": _(
            "Write this option in %(language)s (the meeting's main language).",
            language=language,
        ),
        "option_duplicate": _("“%(option)s” is listed twice.", option=label()),
        "option_answered": ngettext(
            "“%(option)s” cannot be removed: %(num)d person chose it. Change its wording "
            "instead, or archive the question and add a new one.",
            "“%(option)s” cannot be removed: %(num)d people chose it. Change its wording "
            "instead, or archive the question and add a new one.",
            count,
            option=label(),
        ),
        "option_in_condition": _(
            "“%(option)s” cannot be removed: another question is shown when it is "
            "chosen. Change that question's condition first.",
            option=label(),
        ),
        "bounds": _("The largest number must not be smaller than the smallest."),
        "file_limit": _(
            "Choose a limit from 1 to %(limit)s MB.",
            limit=format_number(details.get("limit", 0) // MB),
        ),
        "condition_unknown": _("Choose one of the questions listed."),
        "condition_self": _("A question cannot depend on its own answer."),
        "condition_type": _(
            "“%(question)s” has no fixed list of answers: a condition can look at "
            "yes-or-no, choice and country questions only.",
            question=label(),
        ),
        "condition_nested": _(
            "“%(question)s” is shown only under a condition itself: conditions have "
            "one level. Choose a question that is always shown.",
            question=label(),
        ),
        "condition_later": _(
            "“%(question)s” comes after this question in the form: a condition can "
            "look at an earlier question only. Move this question below it first.",
            question=label(),
        ),
        "condition_has_dependants": _(
            "Other questions are shown only under a condition on this one: it cannot "
            "have a condition itself (one level of conditions)."
        ),
        "condition_internal": _(
            "“%(question)s” is for organisers only: participants never answer it, so "
            "this question would never be shown to them. Make this question for "
            "organisers only too, or choose another.",
            question=label(),
        ),
        "condition_values_missing": _(
            "Tick at least one answer of “%(question)s” that shows this question.",
            question=label(),
        ),
        "condition_value_unknown": _(
            "“%(values)s” is not an answer of “%(question)s”: choose among its answers.",
            values=", ".join(details.get("values", ())),
            question=label(),
        ),
        "dependants_type": ngettext(
            "%(num)d question is shown only under a condition on this one: its type must "
            "stay yes or no, a choice or a country.",
            "%(num)d questions are shown only under a condition on this one: its type "
            "must stay yes or no, a choice or a country.",
            count,
        ),
        "dependants_internal": _(
            "Questions for participants are shown only under a condition on this one: "
            "it cannot be for organisers only."
        ),
        "has_dependants": _(
            "Other questions are shown only under a condition on this one (%(questions)s): "
            "change their condition first.",
            questions=", ".join(
                f"“{text(value, meeting, None)}”" for value in details.get("labels", ())
            ),
        ),
        "condition_archived": _(
            "This question is shown only under a condition on “%(question)s”, which is "
            "archived: restore that one first.",
            question=label(),
        ),
        "order_condition": _(
            "“%(question)s” is shown only under a condition on “%(condition)s”, so it "
            "must stay after it.",
            question=label(),
            condition=label("condition"),
        ),
        "stale_order": _(
            "The form changed since this page was opened: reload it and move the questions again."
        ),
    }.get(error.code, error.code)


def _question(meeting, question_id: int, *, archived: bool = False) -> FormQuestion:
    question = meetings.get_in_meeting(FormQuestion, question_id, meeting)
    if (question.archived_at is not None) != archived:
        abort(404)
    return question


def _index_url(meeting, question: FormQuestion | None = None) -> str:
    anchor = f"question-{question.id}" if question is not None else None
    return url_for(".index", slug=meeting.slug, _anchor=anchor)


def _condition_texts(questions: list[FormQuestion], meeting) -> dict[int, str]:
    """{question id: 'Shown when “Need a visa?” is: Yes'} for the conditional
    questions, in the reader's language."""
    by_id = {q.id: q for q in questions}
    language = current_language()
    names = {services.YES: _("Yes"), services.NO: _("No")}
    if any(q.type is QuestionType.COUNTRY for q in questions):
        names |= {c.code: c.name(language) for c in countries_by_name(language)}
    texts = {}
    for question in questions:
        target = by_id.get(question.condition_question_id)
        if target is None:
            continue
        options = {o["value"]: text(o.get("label"), meeting, None) for o in target.options or ()}
        texts[question.id] = _(
            "Shown when “%(question)s” is: %(values)s",
            question=text(target.label, meeting, None),
            values=", ".join(options.get(v) or names.get(v, v) for v in question.condition_values),
        )
    return texts


@bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    questions = questions_of(meeting.id)
    builtin = BuiltinFieldsForm(formdata=None)
    builtin.asked.data = [
        name for name in services.HIDEABLE_FIELDS if name not in (meeting.hidden_fields or ())
    ]
    builtin.photo_on_badges.data = meeting.photo_on_badges
    return render_template(
        "questions/index.html",
        meeting=meeting,
        questions=questions,
        archived=services.archived_questions(meeting),
        counts=services.answer_counts(meeting),
        conditions=_condition_texts(questions, meeting),
        asked_of={
            q.id: ", ".join(Category(c).label for c in q.categories if c in CATEGORY_VALUES)
            for q in questions
            if q.categories
        },
        types=list(QuestionType),
        order_form=EmptyForm(),
        builtin_form=builtin,
        always_asked=ALWAYS_ASKED,
        has_photo=any(q.type is QuestionType.PHOTO for q in questions),
        text=text,
    )


@bp.route("/new", methods=["GET", "POST"])
def new(slug: str):
    meeting = meetings.get_meeting(slug)
    form, candidates = _form(meeting)
    if not form.is_submitted():
        wanted = request.args.get("type", "")
        form.type.data = wanted if wanted in {t.value for t in QuestionType} else "text"
        form.add_blank_options(BLANK_OPTION_ROWS + 1)
    return _save(meeting, form, candidates, None)


@bp.route("/<int:question_id>", methods=["GET", "POST"])
def edit(slug: str, question_id: int):
    meeting = meetings.get_meeting(slug)
    question = _question(meeting, question_id)
    form, candidates = _form(meeting, question)
    if not form.is_submitted():
        form.fill_from(question)
        form.add_blank_options()
    return _save(meeting, form, candidates, question)


def _form(meeting, question: FormQuestion | None = None, **kwargs):
    candidates = services.condition_candidates(meeting, question)
    countries = []
    if any(q.type is QuestionType.COUNTRY for q in candidates):
        language = current_language()
        countries = [(c.code, c.name(language)) for c in countries_by_name(language)]
    return question_form(meeting, candidates, countries, **kwargs), candidates


def _save(meeting, form, candidates, question: FormQuestion | None):
    status = 200
    if form.is_submitted() and request.form.get("action") == "more_options":
        form.add_blank_options()  # more rows for options: nothing saved yet
    elif form.is_submitted():
        problems = []
        if form.validate():
            data = form.data_for_service(meeting)
            problems = services.check_question(meeting, data, question)
            if not problems:
                saved = services.save_question(
                    meeting, data, question, user=current_user._get_current_object()
                )
                commit()
                flash(
                    _("“%(question)s” is saved.", question=text(saved.label, meeting, None)),
                    "success",
                )
                return redirect(_index_url(meeting, saved))
        _show(problems, form, meeting)
        if not any(row.form.is_blank() for row in form.options.entries):
            form.add_blank_options()
        status = 422
    answered = services.answer_count(question) if question is not None else 0
    dependants = services.dependants(question) if question is not None else []
    return render_template(
        "questions/form.html",
        meeting=meeting,
        form=form,
        question=question,
        candidates=candidates,
        answered=answered,
        dependants=dependants,
        kind=form.kind(),
        delete_form=EmptyForm(),
        text=text,
    ), status


def _show(problems: list, form, meeting) -> None:
    """Each problem under its field: a language's label, an option's row, the
    condition's answers; the options' own list for the problems of the options."""
    rows = form.option_rows()
    for problem in problems:
        message = error_message(problem, meeting)
        name = problem.field
        target = None
        if name.startswith("options-"):
            index = int(name.split("-", 1)[1])
            row = rows[index][1].form
            target = getattr(row, f"label_{meeting.default_language}")
        elif name == "options":
            form.option_errors.append(message)
            continue
        elif name == "condition_values":
            target = form.condition_field() or form.condition_question_id
        elif name == "max_bytes":
            target = form.max_mb
        else:
            target = getattr(form, name, None)
        if target is None:
            form.form_errors.append(message)
        else:  # a field not validated yet has a tuple of errors
            target.errors = [*target.errors, message]


@bp.post("/<int:question_id>/delete")
def delete(slug: str, question_id: int):
    """Deletes a question nobody answered; archives one with answers."""
    meeting = meetings.get_meeting(slug)
    question = meetings.get_in_meeting(FormQuestion, question_id, meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    label = text(question.label, meeting, None)
    if question.archived_at is not None:
        flash(_("“%(question)s” is archived already.", question=label), "info")
        return redirect(_index_url(meeting))
    try:
        answered = services.answer_count(question)
        archived = services.delete_question(question, user=current_user._get_current_object())
    except services.QuestionError as error:
        db.session.rollback()
        flash(error_message(error, meeting), "error")
        return redirect(url_for(".edit", slug=slug, question_id=question_id))
    commit()
    if archived:
        flash(
            ngettext(
                "“%(question)s” is archived: its answer (%(num)d) is kept in the exports "
                "and in the person's data until purged. Restore it below if need be.",
                "“%(question)s” is archived: its %(num)d answers are kept in the exports "
                "and in people's data until purged. Restore it below if need be.",
                answered,
                question=label,
            ),
            "success",
        )
    else:
        flash(_("“%(question)s” is deleted.", question=label), "success")
    return redirect(_index_url(meeting))


@bp.post("/<int:question_id>/restore")
def restore(slug: str, question_id: int):
    meeting = meetings.get_meeting(slug)
    question = meetings.get_in_meeting(FormQuestion, question_id, meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    label = text(question.label, meeting, None)
    if question.archived_at is None:
        flash(_("“%(question)s” is on the form already.", question=label), "info")
        return redirect(_index_url(meeting, question))
    try:
        services.restore_question(question, user=current_user._get_current_object())
    except services.QuestionError as error:
        db.session.rollback()
        flash(error_message(error, meeting), "error")
        return redirect(_index_url(meeting))
    commit()
    flash(_("“%(question)s” is back on the form, at its end.", question=label), "success")
    return redirect(_index_url(meeting, question))


@bp.post("/<int:question_id>/move")
def move(slug: str, question_id: int):
    """The up and down buttons (direction=up|down)."""
    meeting = meetings.get_meeting(slug)
    question = _question(meeting, question_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down") or not EmptyForm().validate_on_submit():
        abort(400)
    try:
        moved = services.move_question(question, direction, user=current_user._get_current_object())
    except services.QuestionError as error:
        db.session.rollback()
        flash(error_message(error, meeting), "error")
        return redirect(_index_url(meeting, question))
    if moved:
        commit()
    return redirect(_index_url(meeting, question))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.post("/order")
def reorder(slug: str):
    """The page's drag and drop: every question's id, in the new order (`order`,
    repeated); JSON back to the script, or back to the page."""
    meeting = meetings.get_meeting(slug)
    ids = [as_id(value) for value in request.form.getlist("order")]
    if not ids or None in ids or not EmptyForm().validate_on_submit():
        if _wants_json():
            return jsonify(error=_("The new order could not be read.")), 400
        abort(400)
    try:
        services.reorder(meeting, ids, user=current_user._get_current_object())
    except services.QuestionError as error:
        db.session.rollback()
        message = error_message(error, meeting)
        if _wants_json():
            return jsonify(error=message), 409
        flash(message, "error")
        return redirect(_index_url(meeting))
    commit()
    message = _("The new order is saved.")
    if _wants_json():
        return jsonify(message=message)
    flash(message, "success")
    return redirect(_index_url(meeting))


@bp.post("/fields")
def builtin_fields(slug: str):
    meeting = meetings.get_meeting(slug)
    form = BuiltinFieldsForm()
    if not form.validate_on_submit():
        flash(_("The fields could not be saved: choose among those listed."), "error")
        return redirect(url_for(".index", slug=slug, _anchor="builtin-heading"))
    asked = set(form.asked.data or ())
    has_photo = services.has_photo_question(meeting)
    changed = services.set_builtin_fields(
        meeting,
        [name for name in services.HIDEABLE_FIELDS if name not in asked],
        photo_on_badges=form.photo_on_badges.data if has_photo else None,
        user=current_user._get_current_object(),
    )
    if changed:
        commit()
        flash(_("The built-in fields are saved."), "success")
    return redirect(url_for(".index", slug=slug, _anchor="builtin-heading"))
