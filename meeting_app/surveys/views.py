"""The feedback survey: the organisers' pages under /manage/meetings/<slug>/survey
(the organiser role of that meeting, set once for the blueprint: building,
opening, closing, writing to those who attended, the results and their exports)
and the participant's /r/<token>/survey (only those checked in, once), with a
section on the private page."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import LANGUAGES, current_language, language_name, localized
from meeting_app.core.tasks import commit
from meeting_app.core.views import attachment, private_page
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.privacy import audit
from meeting_app.registration import exports, sections
from meeting_app.registration import services as registration
from meeting_app.registration.models import Participant
from meeting_app.surveys import results, services
from meeting_app.surveys.charts import bar_chart, bar_text, share_text
from meeting_app.surveys.forms import (
    BLANK_OPTION_ROWS,
    TYPE_LABELS,
    OpenForm,
    QuestionForm,
    SettingsForm,
    answers_form,
)

bp = Blueprint("surveys_manage", __name__, url_prefix="/manage/meetings/<slug>/survey")
require_role(bp, Role.ORGANISER)

participant_bp = Blueprint("surveys", __name__)
# Reached by a private link: not cached, no Referer.
participant_bp.after_request(private_page)


def error_message(error: services.SurveyError) -> str:
    language = error.details.get("language")
    return {
        "type_unknown": _("Choose one of the types listed."),
        "type_answered": _(
            "People have answered the survey: this question's type can no longer change."
        ),
        "label_missing": _(
            "Write the question in %(language)s (the meeting's main language).",
            language=language_name(language) if language else "",
        ),
        "options_missing": _("Write at least one option, one per row."),
        "option_label_missing": _(
            "Write this option in %(language)s (the meeting's main language).",
            language=language_name(language) if language else "",
        ),
        "option_duplicate": _(
            "“%(option)s” is listed twice.", option=error.details.get("label", "")
        ),
        "option_answered": _(
            "People have answered the survey: its options can no longer be removed. "
            "Change their wording instead."
        ),
        "bounds": _("The largest number must not be smaller than the smallest."),
        "too_many": _("A survey has at most %(max)s questions.", max=services.MAX_QUESTIONS),
        "answered": _(
            "People have answered the survey: its questions can no longer be deleted, "
            "so that their answers stay in the results. You can still change their wording."
        ),
        "anonymity_fixed": _(
            "The survey has been opened: whether it is anonymous can no longer change "
            "(those who answered were told)."
        ),
        "no_questions": _("Add at least one question before opening the survey."),
        "not_open": _("The survey is not open."),
    }.get(error.code, error.code)


def _index(meeting, anchor: str | None = None) -> str:
    return url_for(".index", slug=meeting.slug, _anchor=anchor)


def _survey(meeting):
    survey = services.survey_of(meeting)
    if survey is None:
        abort(404)
    return survey


def _question(survey, question_id: int):
    question = services.question_in(survey, question_id)
    if question is None:
        abort(404)
    return question


def _text(values, meeting) -> str:
    return localized(values, meeting.default_language).text


# --- Building ---------------------------------------------------------------------------


@bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    survey = services.survey_of(meeting)
    settings = SettingsForm(formdata=None)
    if survey is not None:
        settings.fill_from(survey)
    return _index_page(meeting, survey, settings)


def _index_page(meeting, survey, settings, status: int = 200):
    return render_template(
        "surveys/index.html",
        meeting=meeting,
        survey=survey,
        settings=settings,
        responses=services.response_count(survey) if survey else 0,
        attendees=services.attendee_count(meeting),
        invited=services.invited_count(meeting),
        types=[(t, TYPE_LABELS[t]) for t in services.TYPES],
        type_labels=TYPE_LABELS,
        open_form=OpenForm(formdata=None),
        action_form=EmptyForm(),
        text=_text,
    ), status


@bp.post("/settings")
def settings(slug: str):
    meeting = meetings.get_meeting(slug)
    form = SettingsForm()
    survey = services.get_or_create(meeting)
    if form.validate():
        try:
            services.save_settings(
                survey,
                meeting,
                form.intro(),
                bool(form.anonymous.data),
                current_user._get_current_object(),
            )
        except services.SurveyError as error:
            form.anonymous.errors = [error_message(error)]
        else:
            commit()
            flash(_("The survey's settings are saved."), "success")
            return redirect(_index(meeting))
    db.session.rollback()
    return _index_page(meeting, services.survey_of(meeting), form, 422)


@bp.route("/questions/new", methods=["GET", "POST"])
def new_question(slug: str):
    meeting = meetings.get_meeting(slug)
    form = QuestionForm()
    if not form.is_submitted():
        wanted = request.args.get("type", "")
        form.type.data = wanted if wanted in services.TYPES else services.RATING
        form.add_blank_options(BLANK_OPTION_ROWS + 1)
    return _save(meeting, form, None)


@bp.route("/questions/<int:survey_question_id>", methods=["GET", "POST"])
def edit_question(slug: str, survey_question_id: int):
    meeting = meetings.get_meeting(slug)
    question = _question(_survey(meeting), survey_question_id)
    form = QuestionForm()
    if not form.is_submitted():
        form.fill_from(question)
        form.add_blank_options()
    return _save(meeting, form, question)


def _save(meeting, form: QuestionForm, question):
    status = 200
    if form.is_submitted() and request.form.get("action") == "more_options":
        form.add_blank_options()
    elif form.is_submitted():
        problems = []
        if form.validate():
            survey = question.survey if question is not None else services.get_or_create(meeting)
            data = form.data_for_service(meeting)
            problems = services.check_question(meeting, survey, data, question)
            if not problems:
                saved = services.save_question(
                    meeting, survey, data, question, current_user._get_current_object()
                )
                commit()
                flash(
                    _("“%(question)s” is saved.", question=_text(saved.label, meeting)), "success"
                )
                return redirect(_index(meeting, f"question-{saved.id}"))
        db.session.rollback()
        _show(problems, form)
        if not any(row.form.is_blank() for row in form.options.entries):
            form.add_blank_options()
        status = 422
    survey = question.survey if question is not None else services.survey_of(meeting)
    return render_template(
        "surveys/question.html",
        meeting=meeting,
        form=form,
        question=question,
        answered=services.response_count(survey) if survey is not None else 0,
        kind=form.kind(),
        delete_form=EmptyForm(),
        text=_text,
    ), status


def _show(problems: list, form: QuestionForm) -> None:
    rows = form.option_rows()
    for problem in problems:
        message = error_message(problem)
        name = problem.field
        target = None
        if name.startswith("options-"):
            row = rows[int(name.split("-", 1)[1])].form
            target = row[f"label_{problem.details.get('language') or 'en'}"]
            if problem.code == "option_duplicate":
                target = next(
                    (row[f"label_{c}"] for c in LANGUAGES if row[f"label_{c}"].data),
                    target,
                )
        elif name == "options":
            form.option_errors.append(message)
            continue
        elif name:
            target = getattr(form, name, None)
        if target is None:
            form.form_errors_list.append(message)
        else:
            target.errors = [*target.errors, message]


@bp.post("/questions/<int:survey_question_id>/delete")
def delete_question(slug: str, survey_question_id: int):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    question = _question(survey, survey_question_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    label = _text(question.label, meeting)
    try:
        services.delete_question(meeting, survey, question, current_user._get_current_object())
    except services.SurveyError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(_index(meeting, f"question-{survey_question_id}"))
    commit()
    flash(_("“%(question)s” is deleted.", question=label), "success")
    return redirect(_index(meeting, "questions-heading"))


@bp.post("/questions/<int:survey_question_id>/move")
def move_question(slug: str, survey_question_id: int):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    question = _question(survey, survey_question_id)
    direction = request.form.get("direction", "")
    if direction not in ("up", "down") or not EmptyForm().validate_on_submit():
        abort(400)
    if services.move_question(survey, question, direction):
        commit()
    return redirect(_index(meeting, f"question-{survey_question_id}"))


# --- Opening, closing, writing ----------------------------------------------------------


@bp.post("/open")
def open_survey(slug: str):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    form = OpenForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    try:
        services.open_survey(meeting, survey, user)
        written = services.invite_attendees(meeting, survey, user) if form.invite.data else None
    except services.SurveyError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(_index(meeting))
    commit()
    flash(_("The survey is open."), "success")
    if written is not None:
        flash(_written(written), "success")
    return redirect(_index(meeting))


def _written(count: int) -> str:
    if not count:
        return _("Nobody to write to: everyone checked in has had the invitation.")
    return ngettext(
        "The invitation is written to %(num)d person who attended.",
        "The invitation is written to %(num)d people who attended.",
        count,
    )


@bp.post("/invite")
def invite(slug: str):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        written = services.invite_attendees(meeting, survey, current_user._get_current_object())
    except services.SurveyError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        return redirect(_index(meeting))
    commit()
    flash(_written(written), "success")
    return redirect(_index(meeting))


@bp.post("/close")
def close_survey(slug: str):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.close_survey(meeting, survey, current_user._get_current_object())
    commit()
    flash(_("The survey is closed: nobody can answer it any more."), "success")
    return redirect(_index(meeting))


# --- Results ---------------------------------------------------------------------------


@bp.get("/results")
def results_page(slug: str):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    language = current_language()
    count, found = results.results(survey, meeting, language)
    charts = {
        item.question.id: bar_chart(item.label, item.bars, f"chart-{item.question.id}")
        for item in found
        if item.charted and item.bars
    }
    return render_template(
        "surveys/results.html",
        meeting=meeting,
        survey=survey,
        count=count,
        results=found,
        charts=charts,
        bar_text=bar_text,
        share_text=share_text,
        number=format_decimal,
        type_labels=TYPE_LABELS,
    )


@bp.get("/answers.<any(csv, xlsx):fmt>")
def export(slug: str, fmt: str):
    meeting = meetings.get_meeting(slug)
    survey = _survey(meeting)
    language = current_language()
    header, rows = results.export_table(survey, meeting, language)
    audit.record(
        "survey.exported",
        user=current_user._get_current_object(),
        meeting=meeting,
        details=fmt,
    )
    commit()
    delimiter = exports.csv_delimiter(request.args.get("sep"), language)
    return attachment(
        exports.spreadsheet(fmt, header, rows, meeting.slug, delimiter),
        f"{meeting.slug}-survey.{fmt}",
        exports.MIMETYPES[fmt],
    )


# --- The participant's side -------------------------------------------------------------


def _participant_or_404(token: str) -> Participant:
    participant = registration.find_by_token(token)
    if participant is None:
        abort(404)
    return participant


@participant_bp.route("/r/<token>/survey", methods=["GET", "POST"])
def answer(token: str):
    """The survey, for those checked in at least once, answered once. Others (and
    a closed survey) get a page that says why; a meeting without an open or closed
    survey, 404."""
    participant = _participant_or_404(token)
    meeting = participant.meeting
    survey = services.survey_of(meeting)
    state = services.may_answer(survey, participant)
    if state == "none":
        abort(404)
    values = {"participant": participant, "meeting": meeting, "survey": survey}
    if state == "not_attended":
        return render_template("surveys/not_for_you.html", **values), 403
    if state == "answered":
        if request.method == "POST":
            flash(_("You have answered this survey already: your first answers are kept."), "info")
            return render_template("surveys/answered.html", **values), 409
        return render_template("surveys/answered.html", **values)
    if state == "closed":
        return render_template("surveys/closed.html", **values)
    form = answers_form(survey, meeting, current_language())
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                services.submit(survey, participant, form.answers())
            except services.AlreadyAnswered:
                # Sent from another tab at the same moment: that one is kept.
                db.session.rollback()
                flash(
                    _("You have answered this survey already: your first answers are kept."),
                    "info",
                )
                return render_template("surveys/answered.html", **values), 409
            commit()
            flash(_("Thank you: your answers are saved."), "success")
            return redirect(url_for(".answer", token=token))
        status = 422
    return render_template(
        "surveys/answer.html", **values, form=form, intro=_text(survey.intro, meeting)
    ), status


@sections.section(60)
def survey_section(participant: Participant):
    """ "Tell us what you thought" with the link while the survey is open and not
    answered yet; "Thank you" once answered."""
    survey = services.survey_of(participant.meeting)
    if survey is None or survey.status != services.OPEN:
        return None
    state = services.may_answer(survey, participant)
    if state not in ("open", "answered"):
        return None
    return "surveys/_private_section.html", {"answered": state == "answered"}
