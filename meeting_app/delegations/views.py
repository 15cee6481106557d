"""Delegations: the public list, and the organisers' pages (/manage/..., organiser
role, set once for their blueprint): the delegations, and accreditation (each
delegation's focal points, quotas, credentials letter and members; the overview;
decisions on nominations in bulk; the reminder of a missing letter). The focal
points' own pages (/d/<token>) are focal_views.py's."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meeting_app.accounts.models import Role
from meeting_app.accounts.services import require_role
from meeting_app.core.collation import sort_key
from meeting_app.core.database import as_id
from meeting_app.core.forms import EmptyForm, choices
from meeting_app.core.i18n import (
    LANGUAGE_NAMES,
    current_language,
    language_from_address,
    language_name,
)
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import MB, accepts_upload
from meeting_app.core.views import attachment
from meeting_app.delegations import accreditation, focal_points, services
from meeting_app.delegations.forms import (
    DECISIONS,
    AddDelegationForm,
    CredentialsForm,
    DelegationForm,
    FocalPointForm,
    NominationsForm,
    QuotasForm,
)
from meeting_app.delegations.models import Credential, Delegation, FocalPoint
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.meetings import services as meetings
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.registration import exports
from meeting_app.registration import services as registration
from meeting_app.registration.manage_forms import OrganiserRegistrationForm
from meeting_app.registration.models import (
    SEAT_HOLDING,
    Category,
    Participant,
    RegistrationStatus,
)

bp = Blueprint("delegations", __name__)
# Its pages: /manage/meetings/<slug>/delegations/... and .../accreditation/...
manage_bp = Blueprint("delegations_manage", __name__, url_prefix="/manage/meetings/<slug>")
require_role(manage_bp, Role.ORGANISER)


@bp.get("/meetings/<slug>/delegations")
@language_from_address
def public_list(slug: str):
    meeting = meetings.get_public_meeting(slug)
    return render_template(
        "delegations/public.html",
        meeting=meeting,
        delegations=services.public_list(meeting, current_language()),
    )


def _meeting(slug: str) -> Meeting:
    return meetings.get_meeting(slug)


def _delegation(meeting: Meeting, delegation_id: int) -> Delegation:
    return meetings.get_in_meeting(Delegation, delegation_id, meeting)


def _focal_point(delegation: Delegation, focal_point_id: int) -> FocalPoint:
    focal_point = db.session.get(FocalPoint, focal_point_id)
    if focal_point is None or focal_point.delegation_id != delegation.id:
        abort(404)
    return focal_point


def _member(delegation: Delegation, participant_id: int) -> Participant:
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.delegation_id != delegation.id:
        abort(404)
    return participant


def _country(delegation: Delegation) -> str:
    return delegation.country.name(current_language())


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


@manage_bp.get("/delegations/")
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


def _update(slug: str, delegation_id: int):
    """The head and the size limit, from the delegations' list or a delegation's page."""
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
            flash(_("Delegation saved: %(country)s.", country=_country(delegation)), "success")
    else:
        flash(" ".join(str(m) for messages in form.errors.values() for m in messages), "error")
    if request.form.get("back") == "delegation":
        return redirect(url_for(".delegation", slug=slug, delegation_id=delegation_id))
    return redirect(url_for(".index", slug=slug))


@manage_bp.post("/delegations/add")
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


@manage_bp.post("/delegations/<int:delegation_id>/link")
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


@manage_bp.get("/delegations/export.<any(csv, xlsx):fmt>")
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


# --- One delegation's accreditation: quotas, focal points, credentials, members --------


def _meeting_languages(meeting: Meeting) -> dict[str, str]:
    return {code: language_name(code) for code in meeting.languages or []}


def _focal_point_form(meeting: Meeting, **kwargs) -> FocalPointForm:
    return FocalPointForm(_meeting_languages(meeting), **kwargs)


def _quotas_form(delegation: Delegation, **kwargs) -> QuotasForm:
    form = QuotasForm(**kwargs)
    if not form.is_submitted():
        for quota in delegation.quotas:
            form.field_of(quota.category).data = quota.size_limit
    return form


def _delegation_page(
    meeting: Meeting,
    delegation: Delegation,
    *,
    quotas_form: QuotasForm | None = None,
    focal_point_form: FocalPointForm | None = None,
    credentials_form: CredentialsForm | None = None,
    size_form: DelegationForm | None = None,
):
    language = current_language()
    key = sort_key(language)
    members = sorted(
        delegation.members, key=lambda m: (key(m.family_name), key(m.given_name), m.id)
    )
    if size_form is None:
        size_form = _edit_form(delegation)
        size_form.head_id.data = str(delegation.head_id or "")
        size_form.size_limit.data = delegation.size_limit
    form_with_errors = any(
        f is not None and f.errors for f in (quotas_form, focal_point_form, credentials_form)
    )
    return render_template(
        "delegations/accreditation_delegation.html",
        meeting=meeting,
        delegation=delegation,
        country=delegation.country.name(language),
        members=members,
        held=focal_points.held_by_category(delegation),
        quotas={quota.category: quota for quota in delegation.quotas},
        categories=list(Category),
        size_form=size_form,
        quotas_form=quotas_form or _quotas_form(delegation),
        focal_point_form=focal_point_form or _focal_point_form(meeting),
        credentials_form=credentials_form or CredentialsForm(),
        language_names=_meeting_languages(meeting),
        to_approve=len(focal_points.nominations(meeting, language, delegation.id)),
        seat_holding=SEAT_HOLDING,
        empty_form=EmptyForm(),
    ), 422 if form_with_errors else 200


# One rule for both methods: a number past the database's range is then a 404 for
# either (two rules of one address would answer 405).
@manage_bp.route("/delegations/<int:delegation_id>", methods=["GET", "POST"])
def delegation(slug: str, delegation_id: int):
    if request.method == "POST":
        return _update(slug, delegation_id)
    meeting = _meeting(slug)
    return _delegation_page(meeting, _delegation(meeting, delegation_id))


def _back_to(delegation: Delegation, anchor: str):
    return redirect(
        url_for(
            ".delegation",
            slug=delegation.meeting.slug,
            delegation_id=delegation.id,
            _anchor=anchor,
        )
    )


@manage_bp.post("/delegations/<int:delegation_id>/quotas")
def quotas(slug: str, delegation_id: int):
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    form = _quotas_form(delegation)
    if form.validate_on_submit():
        try:
            changed = focal_points.set_quotas(delegation, form.limits(), by_user=current_user)
        except focal_points.Refused as error:
            db.session.rollback()
            delegation = _delegation(meeting, delegation_id)
            for category, held in error.details["held"].items():
                form.field_of(category).errors.append(
                    ngettext(
                        "%(num)d seat of this category is already held: the quota cannot be lower.",
                        "%(num)d seats of this category are already held: the quota cannot be "
                        "lower.",
                        held,
                    )
                )
        else:
            commit()
            flash(
                _("Quotas saved: %(country)s.", country=_country(delegation))
                if changed
                else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return _back_to(delegation, "quotas")
    return _delegation_page(meeting, delegation, quotas_form=form)


@manage_bp.post("/delegations/<int:delegation_id>/focal-points")
def add_focal_point(slug: str, delegation_id: int):
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    form = _focal_point_form(meeting)
    if form.validate_on_submit():
        try:
            focal_point = focal_points.add_focal_point(
                delegation, **_focal_point_values(form), by_user=current_user
            )
        except focal_points.Refused as error:
            db.session.rollback()
            delegation = _delegation(meeting, delegation_id)
            _focal_point_error(form, error)
        else:
            commit()
            flash(
                _(
                    "Focal point added: %(name)s. Send them their link when you are ready.",
                    name=focal_point.name,
                ),
                "success",
            )
            return _back_to(delegation, "focal-points")
    return _delegation_page(meeting, delegation, focal_point_form=form)


def _focal_point_values(form: FocalPointForm) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data,
        "organisation": form.organisation.data or "",
        "languages": form.languages.data or [],
    }


def _focal_point_error(form: FocalPointForm, error: focal_points.Refused) -> None:
    if error.code == "email_taken":
        form.email.errors.append(_("This delegation already has a focal point with this address."))
    else:
        form.languages.errors.append(_("Choose among the meeting's languages."))


@manage_bp.route(
    "/delegations/<int:delegation_id>/focal-points/<int:focal_point_id>",
    methods=["GET", "POST"],
)
def edit_focal_point(slug: str, delegation_id: int, focal_point_id: int):
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    focal_point = _focal_point(delegation, focal_point_id)
    form = _focal_point_form(meeting)
    if not form.is_submitted():
        form.name.data, form.email.data = focal_point.name, focal_point.email
        form.organisation.data = focal_point.organisation
        form.languages.data = [
            lang for lang in focal_point.languages if lang in (meeting.languages or [])
        ]
    elif form.validate():
        try:
            changed = focal_points.update_focal_point(
                focal_point, **_focal_point_values(form), by_user=current_user
            )
        except focal_points.Refused as error:
            db.session.rollback()
            focal_point = _focal_point(_delegation(meeting, delegation_id), focal_point_id)
            _focal_point_error(form, error)
        else:
            commit()
            flash(
                _("Focal point saved: %(name)s.", name=focal_point.name)
                if changed
                else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return _back_to(focal_point.delegation, "focal-points")
    return render_template(
        "delegations/focal_points_edit.html",
        meeting=meeting,
        delegation=focal_point.delegation,
        country=_country(focal_point.delegation),
        focal_point=focal_point,
        form=form,
    ), 422 if form.errors else 200


@manage_bp.post("/delegations/<int:delegation_id>/focal-points/<int:focal_point_id>/send")
def send_focal_point_link(slug: str, delegation_id: int, focal_point_id: int):
    delegation = _delegation(_meeting(slug), delegation_id)
    focal_point = _focal_point(delegation, focal_point_id)
    if EmptyForm().validate_on_submit():
        try:
            focal_points.send_link(focal_point, by_user=current_user)
        except focal_points.Refused:
            db.session.rollback()
            flash(
                _("This focal point's link is revoked: make a new link first."),
                "error",
            )
        else:
            commit()
            flash(
                _("The link is on its way to %(email)s.", email=focal_point.email),
                "success",
            )
    return _back_to(delegation, "focal-points")


@manage_bp.post("/delegations/<int:delegation_id>/focal-points/<int:focal_point_id>/new-link")
def new_focal_point_link(slug: str, delegation_id: int, focal_point_id: int):
    delegation = _delegation(_meeting(slug), delegation_id)
    focal_point = _focal_point(delegation, focal_point_id)
    if EmptyForm().validate_on_submit():
        focal_points.new_link(focal_point, by_user=current_user)
        commit()
        flash(
            _(
                "A new link is made for %(name)s; the old one no longer works. "
                "Send it to them when you are ready.",
                name=focal_point.name,
            ),
            "success",
        )
    return _back_to(delegation, "focal-points")


@manage_bp.post("/delegations/<int:delegation_id>/focal-points/<int:focal_point_id>/revoke")
def revoke_focal_point(slug: str, delegation_id: int, focal_point_id: int):
    delegation = _delegation(_meeting(slug), delegation_id)
    focal_point = _focal_point(delegation, focal_point_id)
    if EmptyForm().validate_on_submit() and focal_points.revoke(focal_point, by_user=current_user):
        commit()
        flash(
            _(
                "%(name)s's link is revoked: it no longer opens the delegation's page. "
                "A new link restores it.",
                name=focal_point.name,
            ),
            "success",
        )
    return _back_to(delegation, "focal-points")


def _credentials_limit() -> int:
    return accreditation.credentials_max_bytes() + MB


@manage_bp.post("/delegations/<int:delegation_id>/credentials")
@accepts_upload(_credentials_limit)
def upload_credentials(slug: str, delegation_id: int):
    """The secretariat files a letter it received itself (often by diplomatic pouch)."""
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    form = CredentialsForm()
    if form.validate_on_submit():
        try:
            accreditation.store_credentials(
                delegation,
                form.file.data.read(),
                form.file.data.filename or "",
                form.dated.data,
                form.reference.data or "",
                current_user.email,
            )
        except files.FileRefused as error:
            db.session.rollback()
            form.file.errors.append(files.message(error))
        except accreditation.CredentialDateInFuture:
            db.session.rollback()
            form.dated.errors.append(_("The letter's date cannot be in the future."))
        else:
            audit.record(
                "credentials.uploaded",
                user=current_user,
                meeting=meeting,
                details=delegation.country_code,
            )
            commit()
            flash(
                _("Credentials letter received: %(country)s.", country=_country(delegation)),
                "success",
            )
            return _back_to(delegation, "credentials")
        delegation = _delegation(meeting, delegation_id)
    return _delegation_page(meeting, delegation, credentials_form=form)


@manage_bp.get("/delegations/<int:delegation_id>/credentials/<int:credential_id>.pdf")
def credentials_file(slug: str, delegation_id: int, credential_id: int):
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    credential = db.session.get(Credential, credential_id)
    if credential is None or credential.delegation_id != delegation.id:
        abort(404)
    audit.record(
        "credentials.downloaded",
        user=current_user,
        meeting=meeting,
        details=f"{delegation.country_code} credential {credential.id}",
    )
    commit()
    return accreditation.credentials_response(credential)


def _substitute_form(meeting: Meeting, delegation: Delegation, **kwargs):
    form = OrganiserRegistrationForm(
        [(delegation.id, _country(delegation))], LANGUAGE_NAMES, **kwargs
    )
    # The newcomer takes the seat in this delegation: it is the only choice.
    form.delegation_id.choices = choices([(str(delegation.id), _country(delegation))])
    if not form.is_submitted():
        form.delegation_id.data = str(delegation.id)
        form.preferred_language.data = meeting.default_language
    return form


def _substitution_refused(form, error) -> None:
    """The service's refusal, by the field it is about."""
    if isinstance(error, accreditation.Full):
        category = error.category.label if error.category is not None else None
        form.form_errors.append(
            _(
                "The delegation's quota for %(category)s is full: the newcomer cannot take "
                "the seat in that category.",
                category=category,
            )
            if category
            else _("The delegation or the meeting is full.")
        )
    elif isinstance(error, accreditation.NoSeat | accreditation.NotFound):
        form.form_errors.append(
            _("This member no longer holds a seat: there is nothing to pass on.")
        )
    elif isinstance(error, accreditation.InOtherDelegation):
        form.email.errors.append(
            _("This address is registered for this meeting in another delegation.")
        )
    else:  # already a member, registered individually, or a registration closed
        form.email.errors.append(_("This address is already registered for this meeting."))


@manage_bp.route(
    "/delegations/<int:delegation_id>/members/<int:participant_id>/substitute",
    methods=["GET", "POST"],
)
def substitute(slug: str, delegation_id: int, participant_id: int):
    """The secretariat replaces a member by another person, even after registration
    closes (the focal points no longer can): the seat passes to the newcomer."""
    meeting = _meeting(slug)
    delegation = _delegation(meeting, delegation_id)
    old = _member(delegation, participant_id)
    form = _substitute_form(meeting, delegation)
    if old.status not in SEAT_HOLDING:
        refused = _("Only a member who holds a seat (submitted or approved) can be replaced.")
    else:
        refused = None
    if refused is None and form.validate_on_submit():
        try:
            new = accreditation.substitute(old, form.values(), by_user=current_user)
        except (accreditation.AccreditationError, registration.RegistrationError) as error:
            db.session.rollback()
            _substitution_refused(form, error)
        else:
            commit()
            flash(
                _(
                    "%(new)s replaces %(old)s in the delegation of %(country)s.",
                    new=new.full_name,
                    old=old.full_name,
                    country=_country(delegation),
                ),
                "success",
            )
            return _back_to(delegation, "members")
        old = _member(_delegation(meeting, delegation_id), participant_id)
    status = 422 if form.errors else (409 if refused and form.is_submitted() else 200)
    return render_template(
        "delegations/accreditation_substitute.html",
        meeting=meeting,
        delegation=old.delegation,
        country=_country(old.delegation),
        old=old,
        form=form,
        refused=refused,
    ), status


# --- Every delegation's accreditation ----------------------------------------------------


@manage_bp.get("/accreditation")
def accreditation_overview(slug: str):
    meeting = _meeting(slug)
    missing = request.args.get("credentials") == "missing"
    waiting = request.args.get("nominations") == "waiting"
    language = current_language()
    rows = focal_points.accreditation(
        meeting, language, credentials_missing=missing, nominations_to_approve=waiting
    )
    return render_template(
        "delegations/accreditation.html",
        meeting=meeting,
        rows=rows,
        missing=missing,
        waiting=waiting,
        nominations=len(focal_points.nominations(meeting, language)),
        reminder=focal_points.reminder_preview(meeting),
    )


@manage_bp.route("/accreditation/nominations", methods=["GET", "POST"])
def nominations(slug: str):
    """The nominations waiting for a decision, approved or declined in bulk."""
    meeting = _meeting(slug)
    form = NominationsForm()
    delegation_id = as_id(request.args.get("delegation", ""))
    if delegation_id is not None:
        _delegation(meeting, delegation_id)
    if form.validate_on_submit():
        ids = [as_id(i) for i in form.ids.data]
        if None in ids:  # past the database's range: no registration of this meeting
            abort(404)
        try:
            result = focal_points.decide(
                meeting,
                ids,
                DECISIONS[form.action.data],
                by_user=current_user,
                reason=form.reason.data or "",
            )
        except focal_points.Refused:
            db.session.rollback()
            abort(404)
        commit()
        flash(
            ngettext(
                "%(num)d nomination decided; the nominees and their focal points are told.",
                "%(num)d nominations decided; the nominees and their focal points are told.",
                result.done,
            ),
            "success",
        )
        if result.refused:
            flash(
                ngettext(
                    "%(num)d could not be changed: it was decided meanwhile, or the meeting "
                    "or the delegation is full.",
                    "%(num)d could not be changed: they were decided meanwhile, or the meeting "
                    "or the delegation is full.",
                    result.refused,
                ),
                "warning",
            )
        return redirect(url_for(".nominations", slug=slug, delegation=delegation_id))
    people = focal_points.nominations(meeting, current_language(), delegation_id)
    if form.is_submitted():
        selected = set(form.ids.data or [])
    else:
        selected = {p.id for p in people} if request.args.get("select") == "all" else set()
    return render_template(
        "delegations/accreditation_nominations.html",
        meeting=meeting,
        people=people,
        form=form,
        selected=selected,
        delegation_id=delegation_id,
        delegation=db.session.get(Delegation, delegation_id) if delegation_id else None,
    ), 422 if form.errors else 200


@manage_bp.route("/accreditation/remind", methods=["GET", "POST"])
def remind(slug: str):
    """Reminds the focal points of delegations whose credentials letter is missing,
    after saying how many mails go."""
    meeting = _meeting(slug)
    form = EmptyForm()
    if form.validate_on_submit():
        sent = focal_points.remind(meeting, by_user=current_user)
        commit()
        flash(
            ngettext(
                "%(num)d reminder is on its way.",
                "%(num)d reminders are on their way.",
                sent,
            ),
            "success" if sent else "info",
        )
        return redirect(url_for(".accreditation_overview", slug=slug))
    return render_template(
        "delegations/accreditation_remind.html",
        meeting=meeting,
        form=form,
        preview=focal_points.reminder_preview(meeting),
    )
