"""Sponsored participation's pages: the participant's request on their private link
(/r/<token>/support), and the organisers' pages under
/manage/meetings/<slug>/sponsorship (organiser role of that meeting, set once for
the blueprint): the setting and the list, one person's decision and follow-up,
and the report donors ask about (page, CSV, XLSX)."""

from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.database import requested_page
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language
from meeting_app.core.tasks import commit
from meeting_app.core.views import attachment, private_page
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.privacy import audit
from meeting_app.registration import exports
from meeting_app.registration import services as registration
from meeting_app.registration.models import Participant
from meeting_app.registration.queries import Filters as RegistrationFilters
from meeting_app.registration.queries import participants_query
from meeting_app.travel import sponsorship as ops
from meeting_app.travel.models import FundingDecision
from meeting_app.travel.sponsorship_forms import (
    DecisionForm,
    FollowUpForm,
    RequestForm,
    SettingForm,
)

bp = Blueprint("sponsorship", __name__)
# Reached by a private link, and about the person's money: not cached, no Referer.
bp.after_request(private_page)

manage_bp = Blueprint(
    "sponsorship_manage", __name__, url_prefix="/manage/meetings/<slug>/sponsorship"
)
require_role(manage_bp, Role.ORGANISER)

PER_PAGE = 50
FOUND_MAX = 10


def money(amount: Decimal | None, currency: str) -> str:
    """An amount as the reader writes it: "1 500,00 $US" in French."""
    return "" if amount is None else format_currency(amount, currency)


@bp.context_processor
@manage_bp.context_processor
def _helpers():
    return {"money": money, "genders": ops.GENDERS}


# --- The participant ----------------------------------------------------------------------


def _participant_or_404(token: str) -> Participant:
    participant = registration.find_by_token(token)
    if participant is None:
        abort(404)
    return participant


@bp.route("/r/<token>/support", methods=["GET", "POST"])
def support(token: str):
    participant = _participant_or_404(token)
    meeting = participant.meeting
    sponsorship = ops.sponsorship_of(participant)
    back = redirect(url_for("registration.private_page", token=token))
    if sponsorship is None and not meeting.sponsorship_enabled:
        return back
    may_ask = ops.may_ask(participant, sponsorship)
    form = RequestForm()
    if not form.is_submitted() and sponsorship is not None:
        form.note.data = sponsorship.request_note
    if form.is_submitted():
        if not may_ask:
            code = "decided" if sponsorship is not None else "not_offered"
            flash(ops.message(ops.SponsorshipError(code)), "warning")
            return redirect(url_for(".support", token=token))
        if form.validate():
            try:
                ops.request_support(participant, form.note.data)
            except ops.SponsorshipError as error:
                form.note.errors = [*form.note.errors, ops.message(error)]
            except sa.exc.IntegrityError:  # the same request sent twice at once
                db.session.rollback()
                return redirect(url_for(".support", token=token))
            else:
                commit()
                flash(
                    _("Your request is updated.")
                    if sponsorship is not None
                    else _("Your request is sent to the organisers."),
                    "success",
                )
                return redirect(url_for(".support", token=token))
    return render_template(
        "travel/sponsorship/support.html",
        participant=participant,
        meeting=meeting,
        sponsorship=sponsorship,
        form=form,
        may_ask=may_ask,
        may_withdraw=ops.may_withdraw(participant, sponsorship),
        withdraw_form=EmptyForm(),
        funded=sponsorship is not None and sponsorship.decision in ops.FUNDED,
    ), 422 if form.errors else 200


@bp.post("/r/<token>/support/withdraw")
def withdraw(token: str):
    participant = _participant_or_404(token)
    if EmptyForm().validate_on_submit():
        try:
            ops.withdraw(participant)
        except ops.SponsorshipError as error:
            flash(ops.message(error), "warning")
        else:
            commit()
            flash(_("Your request is withdrawn."), "info")
            return redirect(url_for("registration.private_page", token=token))
    return redirect(url_for(".support", token=token))


# --- The organisers -----------------------------------------------------------------------


def _delegations(meeting):
    return registration.delegation_choices(meeting, current_language())


@manage_bp.get("/")
def index(slug: str):
    meeting = meetings.get_meeting(slug)
    filters = ops.Filters.from_args(request.args)
    page = db.paginate(
        ops.requests_query(meeting, filters),
        page=requested_page(),
        per_page=PER_PAGE,
        error_out=False,
    )
    # Someone who asked by other means (a letter, a call): found by name or e-mail.
    query = request.args.get("q", "").strip()[:200]
    found = (
        db.session.execute(
            participants_query(meeting, RegistrationFilters(search=query)).limit(FOUND_MAX + 1)
        )
        .scalars()
        .all()
        if query
        else []
    )
    return render_template(
        "travel/sponsorship/index.html",
        meeting=meeting,
        page=page,
        filters=filters,
        query=query,
        found=found[:FOUND_MAX],
        more_found=len(found) > FOUND_MAX,
        counts=ops.decision_counts(meeting),
        decisions=list(FundingDecision),
        delegations=_delegations(meeting),
        setting_form=SettingForm(enabled=meeting.sponsorship_enabled),
    )


@manage_bp.post("/settings")
def settings(slug: str):
    meeting = meetings.get_meeting(slug)
    form = SettingForm()
    if form.validate_on_submit():
        enabled = bool(form.enabled.data)
        if ops.set_enabled(meeting, enabled, by_user=current_user):
            commit()
            flash(
                _("Participants may now ask for travel support from their private link.")
                if enabled
                else _(
                    "Participants can no longer ask for travel support; the requests made "
                    "and their decisions stay."
                ),
                "success",
            )
        else:
            flash(_("Nothing was changed."), "info")
    return redirect(url_for(".index", slug=slug))


def _person_page(meeting, participant, decision_form, follow_up_form, status=200):
    sponsorship = ops.sponsorship_of(participant)
    return render_template(
        "travel/sponsorship/person.html",
        meeting=meeting,
        participant=participant,
        sponsorship=sponsorship,
        decision_form=decision_form,
        follow_up_form=follow_up_form,
        funded=sponsorship is not None and sponsorship.decision in ops.FUNDED,
    ), status


@manage_bp.route("/<int:participant_id>", methods=["GET", "POST"])
def person(slug: str, participant_id: int):
    """One person's request: the decision (e-mailed to them), and for the funded
    the follow-up form (posted to `follow_up`)."""
    meeting = meetings.get_meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    sponsorship = ops.sponsorship_of(participant)
    form = DecisionForm(prefix="decision")
    follow_up = FollowUpForm(formdata=None, prefix="follow_up")
    if not form.is_submitted():
        if sponsorship is not None:
            form.note.data = sponsorship.decision_note
            if sponsorship.decision is not FundingDecision.PENDING:
                form.decision.data = sponsorship.decision.value
            follow_up.fill_from(sponsorship)
        return _person_page(meeting, participant, form, follow_up)
    if sponsorship is not None:
        follow_up.fill_from(sponsorship)
    if form.validate():
        try:
            changed = ops.decide(participant, form.chosen(), form.note.data, by_user=current_user)
        except ops.SponsorshipError as error:
            field = getattr(form, error.field, form.decision)
            field.errors = [*field.errors, ops.message(error)]
        else:
            commit()
            if changed:
                flash(
                    _("Decision saved and e-mailed to %(name)s.", name=participant.full_name),
                    "success",
                )
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".person", slug=slug, participant_id=participant.id))
    return _person_page(meeting, participant, form, follow_up, 422)


@manage_bp.post("/<int:participant_id>/follow-up")
def follow_up(slug: str, participant_id: int):
    meeting = meetings.get_meeting(slug)
    participant = meetings.get_in_meeting(Participant, participant_id, meeting)
    sponsorship = ops.sponsorship_of(participant)
    back = redirect(url_for(".person", slug=slug, participant_id=participant.id))
    if sponsorship is None or sponsorship.decision not in ops.FUNDED:
        flash(ops.message(ops.SponsorshipError("not_funded")), "warning")
        return back
    form = FollowUpForm(prefix="follow_up")
    if form.validate_on_submit():
        try:
            changed = ops.update_follow_up(participant, form.values(), by_user=current_user)
        except ops.SponsorshipError as error:
            field = getattr(form, error.field)
            field.errors = [*field.errors, ops.message(error)]
        else:
            commit()
            flash(_("Saved.") if changed else _("Nothing was changed."), "success")
            return back
    decision = DecisionForm(formdata=None, prefix="decision")
    decision.decision.data = sponsorship.decision.value
    decision.note.data = sponsorship.decision_note
    return _person_page(meeting, participant, decision, form, 422)


@manage_bp.get("/report")
def report(slug: str):
    meeting = meetings.get_meeting(slug)
    return render_template(
        "travel/sponsorship/report.html",
        meeting=meeting,
        report=ops.report(meeting, current_language()),
    )


@manage_bp.get("/report.<any(csv, xlsx):fmt>")
def report_export(slug: str, fmt: str):
    meeting = meetings.get_meeting(slug)
    language = current_language()
    data = ops.report(meeting, language)
    audit.record(
        "sponsorship.exported",
        user=current_user,
        meeting=meeting,
        details=f"{fmt}, {data.total.people}",
    )
    commit()
    return attachment(
        ops.report_file(
            data,
            fmt,
            language,
            meeting.slug,
            exports.csv_delimiter(request.args.get("sep"), language),
        ),
        f"{meeting.slug}-travel-support.{fmt}",
        exports.MIMETYPES[fmt],
    )
