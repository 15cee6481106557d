"""A meeting itself, in the back office: creating it (administrators; from scratch or
from an earlier meeting), its settings, publishing, archiving and deleting a draft.
The routes hang on the `manage` blueprint, whose guard checks the organiser role in
the meeting of `<slug>` (and keeps /manage/meetings/new to administrators)."""

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language, language_name
from meeting_app.core.tasks import commit
from meeting_app.extensions import db
from meeting_app.manage import services
from meeting_app.manage.forms import DeleteMeetingForm, MeetingForm
from meeting_app.manage.views import bp
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import DEFAULT_LANGUAGES, Meeting


def _user():
    return current_user._get_current_object()


def _form(meeting: Meeting | None = None, **kwargs) -> MeetingForm:
    language = current_language()
    sources = []
    if meeting is None:
        sources = [
            (str(m.id), f"{meetings.localized_title(m)} ({m.start_date.year})")
            for m in services.clone_sources(current_user)
        ]
    form = MeetingForm(
        series=meetings.series_list(),
        countries=meetings.countries_by_name(language),
        sources=sources,
        language=language,
        **kwargs,
    )
    if meeting is not None:
        form.content_languages = list(meeting.languages or DEFAULT_LANGUAGES)
        del form.source_id, form.copy_agenda
    else:  # a new meeting takes them from the meeting it starts from, or the defaults
        del form.registration_mode, form.host_country_first
        del form.participation_mode, form.online_counts_against_capacity
    return form


def _fill_defaults(form: MeetingForm) -> None:
    """What the form suggests for what was left empty: the address from the series
    and the year, the time zone from the host country."""
    if not form.timezone.data and form.host_country_code.data:
        form.timezone.data = meetings.country_zone(form.host_country_code.data) or ""
    if not form.slug.data and form.start_date.data:
        series = None
        if (form.series_id.data or "").isdigit():
            series = db.session.get(meetings.MeetingSeries, int(form.series_id.data))
        elif form.series_id.data == "new":
            series = form.new_series_title.data or ""
        form.slug.data = meetings.suggest_slug(series, form.start_date.data)


def _show_errors(form: MeetingForm, errors: dict[str, str]) -> None:
    for name, message in errors.items():
        target = form.field_for(name)
        if target is None:
            form.form_errors.append(message)
        elif message not in target.errors:
            if not isinstance(target.errors, list):
                target.errors = list(target.errors)
            target.errors.append(message)


def _check_all(form: MeetingForm, meeting: Meeting | None) -> bool:
    """The form's own checks and the service's, shown together (every problem at
    once, not one per attempt)."""
    valid = form.validate_on_submit()
    if not form.is_submitted():
        return False
    problems = meetings.problems(form.to_input(keep=meeting), meeting)
    # A date the form could not read is already said; the service would repeat it.
    for name in ("start_date", "end_date"):
        if getattr(form, name).errors:
            problems.pop(name, None)
    _show_errors(form, {k: str(meetings.ERROR_MESSAGES[v]) for k, v in problems.items()})
    return valid and not problems


def _warn(meeting: Meeting) -> None:
    if "registration_after_end" in meetings.settings_warnings(meeting):
        flash(
            _("Registration closes after the meeting's last day: check the registration settings."),
            "warning",
        )


@bp.route("/meetings/new", methods=["GET", "POST"])
def new_meeting():
    """Administrators only: the guard lets nobody else open a page without a meeting."""
    form = _form()
    source = _source(form)
    if not form.is_submitted():
        if source is not None:
            start = _next_year(source.start_date)
            form.fill_from(services.clone_input(source, slug="", start=start))
            form.source_id.data = str(source.id)
        else:
            # The default languages, and the organiser's own (an Arabic-speaking
            # secretariat writes in Arabic too), which is the default one.
            reader = current_language()
            form.languages.data = [
                code
                for code in meetings.CONTENT_LANGUAGES
                if code in DEFAULT_LANGUAGES or code == reader
            ]
            form.default_language.data = reader
    else:
        _fill_defaults(form)
    # Texts are asked for in the languages ticked (at first the defaults, or those of
    # the meeting it starts from), as on the settings of a meeting that exists.
    ticked = [code for code in meetings.CONTENT_LANGUAGES if code in (form.languages.data or ())]
    form.content_languages = ticked or list(DEFAULT_LANGUAGES)
    if _check_all(form, None):
        data = form.to_input()
        try:
            if source is not None:
                meeting = services.clone_meeting(
                    source, data, with_agenda=form.copy_agenda.data, user=_user()
                )
            else:
                meeting = meetings.create_meeting(data, user=_user())
        except meetings.MeetingError as error:
            db.session.rollback()
            _show_errors(form, error.messages())
        else:
            commit()
            flash(_("Meeting created as a draft: only its staff can see it."), "success")
            _warn(meeting)
            return redirect(url_for(".meeting", slug=meeting.slug))
    return render_template(
        "manage/meeting_form.html",
        form=form,
        meeting=None,
        source=source,
        sources=services.clone_sources(current_user),
        zones=meetings.all_timezones(),
        suggested_zone=meetings.country_zone(form.host_country_code.data),
        language_names={code: language_name(code) for code in meetings.CONTENT_LANGUAGES},
        sessions_to_move=0,
    ), 422 if form.errors else 200


def _source(form: MeetingForm) -> Meeting | None:
    """The meeting to start from (`?from=<slug>` or the form's choice), if the
    signed-in administrator may use it."""
    chosen = form.source_id.data if form.is_submitted() else None
    query = db.select(Meeting)
    if chosen and chosen.isdigit():
        query = query.filter_by(id=int(chosen))
    elif request.args.get("from"):
        query = query.filter_by(slug=request.args["from"])
    else:
        return None
    source = db.session.execute(query).scalar_one_or_none()
    if source is None or not current_user.may("organiser", source):
        return None
    return source


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@bp.route("/meetings/<slug>/settings", methods=["GET", "POST"])
def meeting_settings(slug: str):
    meeting = meetings.get_meeting(slug)
    form = _form(meeting)
    if not form.is_submitted():
        form.fill_from(meetings.input_from(meeting))
        form.registration_mode.data = meeting.registration_mode
        form.host_country_first.data = meeting.host_country_first
        form.participation_mode.data = meeting.participation_mode
        form.online_counts_against_capacity.data = meeting.online_counts_against_capacity
    to_move = 0
    if _check_all(form, meeting):
        data = form.to_input(keep=meeting)
        to_move = services.sessions_moved_by_zone(meeting, data.timezone)
        if to_move and form.confirmed_timezone.data != data.timezone:
            # Said before it is saved: the organiser confirms by saving again.
            form.confirmed_timezone.data = data.timezone
            return _settings_page(meeting, form, to_move, confirm=True), 200
        try:
            change = services.change_settings(
                meeting,
                data,
                user=_user(),
                accreditation=services.AccreditationSettings(
                    registration_mode=form.registration_mode.data,
                    host_country_first=form.host_country_first.data,
                ),
                participation_settings=services.ParticipationSettings(
                    participation_mode=form.participation_mode.data or meeting.participation_mode,
                    online_counts_against_capacity=form.online_counts_against_capacity.data,
                ),
            )
        except meetings.MeetingError as error:
            db.session.rollback()
            meeting = meetings.get_meeting(slug)
            _show_errors(form, error.messages())
        else:
            commit()
            if change.changed:
                flash(_("Meeting settings saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            if change.sessions_moved:
                flash(
                    ngettext(
                        "%(num)d session keeps its local time in the new time zone: publish "
                        "the agenda again to show it.",
                        "%(num)d sessions keep their local time in the new time zone: "
                        "publish the agenda again to show them.",
                        change.sessions_moved,
                    ),
                    "info",
                )
            _warn(meeting)
            return redirect(url_for(".meeting", slug=meeting.slug))
    else:
        to_move = services.sessions_moved_by_zone(meeting, form.timezone.data or "")
    return _settings_page(meeting, form, to_move), 422 if form.errors else 200


def _settings_page(meeting: Meeting, form: MeetingForm, to_move: int, confirm: bool = False):
    return render_template(
        "manage/meeting_form.html",
        form=form,
        meeting=meeting,
        source=None,
        zones=meetings.all_timezones(),
        suggested_zone=meetings.country_zone(form.host_country_code.data),
        language_names={code: language_name(code) for code in meetings.CONTENT_LANGUAGES},
        sessions_to_move=to_move,
        session_count=len(meeting.sessions),
        confirm_timezone=confirm,
        slug_locked=meeting.status is not meetings.MeetingStatus.DRAFT,
    )


@bp.route("/meetings/<slug>/publish", methods=["GET", "POST"])
def publish_meeting(slug: str):
    """The readiness list first; what is missing warns but does not block."""
    meeting = meetings.get_meeting(slug)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            meetings.publish(meeting, user=_user())
        except meetings.MeetingError as error:
            db.session.rollback()
            flash(error.one_line(), "error")
        else:
            commit()
            flash(_("The meeting is published: its public pages are open."), "success")
        return redirect(url_for(".meeting", slug=slug))
    return render_template(
        "manage/publish.html",
        meeting=meeting,
        form=form,
        items=meetings.readiness(meeting),
    )


@bp.post("/meetings/<slug>/archive")
def archive_meeting(slug: str):
    meeting = meetings.get_meeting(slug)
    if EmptyForm().validate_on_submit():
        try:
            meetings.archive(meeting, user=_user())
        except meetings.MeetingError as error:
            db.session.rollback()
            flash(error.one_line(), "error")
        else:
            commit()
            flash(
                _(
                    "The meeting is archived: its public pages stay; registration, "
                    "participants' changes and the desk are closed."
                ),
                "success",
            )
    return redirect(url_for(".meeting", slug=slug))


@bp.route("/meetings/<slug>/delete", methods=["GET", "POST"])
def delete_meeting(slug: str):
    meeting = meetings.get_meeting(slug)
    form = DeleteMeetingForm()
    refused = None
    if meeting.status is not meetings.MeetingStatus.DRAFT:
        refused = str(meetings.ERROR_MESSAGES["not_draft"])
    elif meetings.registration_count(meeting):
        refused = str(meetings.ERROR_MESSAGES["has_registrations"])
    if refused is None and form.validate_on_submit():
        try:
            meetings.delete_draft(meeting, form.confirm_slug.data, user=_user())
        except meetings.MeetingError as error:
            db.session.rollback()
            meeting = meetings.get_meeting(slug)
            form.confirm_slug.errors.append(error.one_line())
        else:
            commit()
            flash(_("The draft meeting %(slug)s is deleted.", slug=slug), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else (409 if refused and form.is_submitted() else 200)
    return render_template(
        "manage/meeting_delete.html", meeting=meeting, form=form, refused=refused
    ), status
