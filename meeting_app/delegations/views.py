"""Delegations: the public list, the head of delegation's read-only link, and the
organisers' page (/manage/..., organiser role, set once for its blueprint)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.collation import collated, sort_key
from meeting_app.core.forms import EmptyForm, choices
from meeting_app.core.i18n import current_language
from meeting_app.core.tasks import commit
from meeting_app.core.views import attachment, private_page
from meeting_app.delegations import services
from meeting_app.delegations.forms import AddDelegationForm, DelegationForm
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.registration import exports
from meeting_app.registration.models import Participant, RegistrationStatus

bp = Blueprint("delegations", __name__)
manage_bp = Blueprint(
    "delegations_manage", __name__, url_prefix="/manage/meetings/<slug>/delegations"
)
require_role(manage_bp, Role.ORGANISER)


@bp.get("/meetings/<slug>/delegations")
def public_list(slug: str):
    meeting = meetings.get_public_meeting(slug)
    return render_template(
        "delegations/public.html",
        meeting=meeting,
        delegations=services.public_list(meeting, current_language()),
    )


@bp.get("/d/<token>")
def head_view(token: str):
    delegation = services.find_by_view_token(token)
    if delegation is None:
        abort(404)
    members = (
        db.session.execute(
            db.select(Participant)
            .filter_by(delegation_id=delegation.id)
            .order_by(collated(Participant.family_name), collated(Participant.given_name))
        )
        .scalars()
        .all()
    )
    return private_page(
        Response(
            render_template(
                "delegations/head_view.html",
                delegation=delegation,
                meeting=delegation.meeting,
                members=members,
            )
        )
    )


def _meeting(slug: str) -> Meeting:
    return meetings.get_meeting(slug)


def _delegation(meeting: Meeting, delegation_id: int) -> Delegation:
    return meetings.get_in_meeting(Delegation, delegation_id, meeting)


def _edit_form(delegation: Delegation, **kwargs) -> DelegationForm:
    form = DelegationForm(prefix=f"d{delegation.id}", **kwargs)
    key = sort_key()
    members = sorted(
        (m for m in delegation.members if m.status is not RegistrationStatus.CANCELLED),
        key=lambda m: (key(m.family_name), key(m.given_name)),
    )
    form.head_id.choices = choices([("", "—"), *((str(m.id), m.full_name) for m in members)])
    return form


def _add_form(meeting: Meeting) -> AddDelegationForm:
    form = AddDelegationForm()
    taken = {d.country_code for d in meeting.delegations}
    language = current_language()
    form.country_code.choices = choices(
        [
            ("", "—"),
            *(
                (c.code, c.name(language))
                for c in meetings.countries_by_name(language)
                if c.code not in taken
            ),
        ]
    )
    return form


@manage_bp.get("/")
def index(slug: str):
    meeting = _meeting(slug)
    rows = services.overview(meeting, current_language())
    forms = {}
    for row in rows:
        form = _edit_form(row.delegation)
        form.head_id.data = str(row.delegation.head_id or "")
        form.size_limit.data = row.delegation.size_limit
        forms[row.delegation.id] = form
    return render_template(
        "delegations/manage.html",
        meeting=meeting,
        rows=rows,
        forms=forms,
        add_form=_add_form(meeting),
        statuses=list(RegistrationStatus),
        empty_form=EmptyForm(),
    )


@manage_bp.post("/<int:delegation_id>")
def update(slug: str, delegation_id: int):
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    form = _edit_form(delegation)
    if form.validate_on_submit():
        try:
            services.update_delegation(
                delegation,
                int(form.head_id.data) if form.head_id.data else None,
                form.size_limit.data,
                by_user=current_user,
            )
        except services.DelegationError as error:
            db.session.rollback()
            flash(
                ngettext(
                    "The size limit cannot be below the %(num)d seat already held.",
                    "The size limit cannot be below the %(num)d seats already held.",
                    delegation.seats_taken,
                )
                if str(error) == "limit"
                else _("The head must be a member of the delegation."),
                "error",
            )
        else:
            commit()
            flash(
                _(
                    "Delegation saved: %(country)s.",
                    country=delegation.country.name(current_language()),
                ),
                "success",
            )
    else:
        flash(" ".join(str(m) for messages in form.errors.values() for m in messages), "error")
    return redirect(url_for(".index", slug=slug))


@manage_bp.post("/add")
def add(slug: str):
    meeting = _meeting(slug)
    form = _add_form(meeting)
    if form.validate_on_submit():
        try:
            services.add_delegation(meeting, form.country_code.data, form.size_limit.data)
        except services.DelegationError:
            db.session.rollback()
        else:
            commit()
            flash(_("Delegation added."), "success")
    else:
        flash(_("Choose a country that has no delegation yet."), "error")
    return redirect(url_for(".index", slug=slug))


@manage_bp.post("/<int:delegation_id>/link")
def new_link(slug: str, delegation_id: int):
    delegation = _delegation(_meeting(slug), delegation_id)
    if EmptyForm().validate_on_submit():
        services.regenerate_view_token(delegation)
        commit()
        flash(
            _("A new link is made for the head of delegation; the old one no longer works."),
            "success",
        )
    return redirect(url_for(".index", slug=slug))


@manage_bp.get("/export.<any(csv, xlsx):fmt>")
def export(slug: str, fmt: str):
    meeting = _meeting(slug)
    language = current_language()
    header, rows = services.delegation_table(services.overview(meeting, language), language)
    delimiter = exports.csv_delimiter(request.args.get("sep"), language)
    return attachment(
        exports.spreadsheet(fmt, header, rows, meeting.slug, delimiter),
        f"{meeting.slug}-delegations.{fmt}",
        exports.MIMETYPES[fmt],
    )
