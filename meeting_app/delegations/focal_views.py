"""A delegation's focal point's pages, reached by their private link /d/<token>
(the older head-of-delegation links open the same page): the delegation and its
members, nominations, invitations, substitutions, the head and the credentials
letter. Thin: each view checks its form, calls delegations/accreditation.py and
commits once; every page is private (no-store, no Referer)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from meeting_app.core.i18n import current_language
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import MB, accepts_upload
from meeting_app.core.views import private_page
from meeting_app.delegations import accreditation
from meeting_app.delegations.focal_forms import (
    AttachForm,
    CredentialsForm,
    HeadForm,
    InviteForm,
    nomination_form,
)
from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.meetings import services as meetings
from meeting_app.registration import services as registration

bp = Blueprint("focal_point", __name__)

# Every page here is reached by a private link.
bp.after_request(private_page)


def _access(token: str) -> accreditation.Access:
    access = accreditation.find_access(token)
    if access is None:
        abort(404)
    return access


def _member(access: accreditation.Access, participant_id: int):
    participant = accreditation.member(access.delegation, participant_id)
    if participant is None:
        abort(404)
    return participant


def _page(token: str):
    return redirect(url_for("focal_point.page", token=token))


def _closed(token: str):
    flash(_("Registration is closed: your delegation can no longer be changed here."), "warning")
    return _page(token)


def _form_upload_limit() -> int | None:
    """The nomination forms take the meeting's file questions (only POSTs send them)."""
    if request.method != "POST":
        return None
    access = accreditation.find_access((request.view_args or {}).get("token", ""))
    return accreditation.form_upload_limit(access.meeting) if access is not None else None


def _credentials_limit() -> int:
    return accreditation.credentials_max_bytes() + MB  # the letter and the form around it


# --- The page ------------------------------------------------------------------------


def _render_page(access: accreditation.Access, *, status: int = 200, **forms):
    delegation, meeting = access.delegation, access.meeting
    members = accreditation.members(delegation)
    holders = [m for m in members if m.holds_seat]
    writable = accreditation.is_open(meeting)
    head_form = forms.get("head_form") or HeadForm(holders, formdata=None)
    if "head_form" not in forms:
        head_form.head_id.data = str(delegation.head_id or "")
    letters = accreditation.credentials(delegation)
    return render_template(
        "delegations/focal_point.html",
        access=access,
        delegation=delegation,
        meeting=meeting,
        members=members,
        holders=holders,
        quotas=accreditation.quotas(delegation),
        in_force=next((c for c in letters if c.superseded_at is None), None),
        superseded=[c for c in letters if c.superseded_at is not None],
        invitations=accreditation.invitations(delegation),
        writable=writable,
        state=meetings.registration_state(meeting),
        secretariat=registration.secretariat_address(meeting),
        head_form=head_form,
        invite_form=forms.get("invite_form") or _invite_form(access, formdata=None),
        credentials_form=forms.get("credentials_form") or CredentialsForm(formdata=None),
        max_size=format_decimal(round(accreditation.credentials_max_bytes() / MB, 1)),
    ), status


def _invite_form(access: accreditation.Access, **kwargs) -> InviteForm:
    meeting = access.meeting
    form = InviteForm(meeting.languages, **kwargs)
    if not form.is_submitted():
        languages = meeting.languages
        form.language.data = (
            current_language() if current_language() in languages else meeting.default_language
        )
    return form


@bp.get("/d/<token>")
def page(token: str):
    return _render_page(_access(token))


# --- Nominations ---------------------------------------------------------------------


def _full_message(error: accreditation.Full) -> str:
    limit = error.limit or 0
    if error.category is not None:
        return _(
            "The delegation's quota for %(category)s is full (%(taken)d of %(limit)d):"
            " replace a member instead.",
            category=error.category.label,
            taken=limit,
            limit=limit,
        )
    return _(
        "The delegation is full (%(taken)d of %(limit)d): replace a member instead.",
        taken=limit,
        limit=limit,
    )


def _refusal(form, error: Exception, access: accreditation.Access):
    """Puts the reason a nomination was refused on the form; returns the attach
    form when the person may be attached instead."""
    secretariat = registration.secretariat_address(access.meeting)
    if isinstance(error, accreditation.Full):
        message = _full_message(error)
        form.form_errors.append(message)
        if error.category is not None:
            form.category.errors.append(message)
    elif isinstance(error, accreditation.AlreadyInDelegation):
        form.email.errors.append(
            _(
                "%(name)s is already registered in your delegation with this address"
                " (status: %(status)s).",
                name=error.participant.full_name,
                status=error.participant.status.label,
            )
        )
    elif isinstance(error, accreditation.RegisteredIndividually):
        form.email.errors.append(
            _(
                "%(name)s is already registered for this meeting with this address, without"
                " a delegation. You can attach that registration to your delegation instead.",
                name=error.participant.full_name,
            )
        )
        return AttachForm(formdata=None, email=error.participant.email)
    elif isinstance(error, accreditation.InOtherDelegation):
        form.email.errors.append(
            _(
                "This address is registered for this meeting in another delegation: it cannot"
                " be nominated for yours. If this is a mistake, write to the secretariat:"
                " %(address)s",
                address=secretariat,
            )
        )
    elif isinstance(error, accreditation.AlreadyRegistered | registration.DuplicateRegistration):
        form.email.errors.append(
            _(
                "This address is already registered for this meeting. To nominate this"
                " person, write to the secretariat: %(address)s",
                address=secretariat,
            )
        )
    return None


REFUSALS = (
    accreditation.Full,
    accreditation.AlreadyInDelegation,
    accreditation.RegisteredIndividually,
    accreditation.InOtherDelegation,
    accreditation.AlreadyRegistered,
    registration.DuplicateRegistration,
)


def _keep_files(form) -> None:
    """A form sent back with errors: the files it accepted are stored (nobody's
    yet) so that they need not be sent again (as the registration form does)."""
    if form.errors and form.new_files:
        commit()


@bp.route("/d/<token>/nominate", methods=["GET", "POST"])
@accepts_upload(_form_upload_limit)
def nominate(token: str):
    access = _access(token)
    if not accreditation.is_open(access.meeting):
        return _closed(token)
    form = nomination_form(access.delegation)
    if not form.is_submitted():
        form.preferred_language.data = current_language()
    attach_form = None
    if form.validate_on_submit():
        answers, chosen = form.answers()
        try:
            person = accreditation.nominate(
                access, form.values(), answers=answers, files=chosen, questions=form.questions
            )
        except accreditation.RegistrationClosed:
            db.session.rollback()
            return _closed(token)
        except REFUSALS as error:
            db.session.rollback()
            form.forget_kept_files()
            attach_form = _refusal(form, error, access)
        else:
            commit()
            flash(_nominated(person), "success")
            return _page(token)
    return _nomination_page(access, form, attach_form, replaced=None)


def _nomination_page(access, form, attach_form, *, replaced):
    """The nomination (or, with `replaced`, the substitution) form, as first shown
    or sent back with its errors (the files it accepted kept)."""
    _keep_files(form)
    return render_template(
        "delegations/focal_point_nominate.html",
        access=access,
        delegation=access.delegation,
        country=access.delegation.country.name(current_language()),
        meeting=access.meeting,
        form=form,
        question_groups=form.groups(),
        attach_form=attach_form,
        replaced=replaced,
    ), 422 if form.errors else 200


def _nominated(person) -> str:
    if person.status is registration.Status.WAITLISTED:
        return _(
            "%(name)s is nominated and on the waiting list: the meeting is full. We e-mailed them.",
            name=person.full_name,
        )
    return _(
        "%(name)s is nominated (status: %(status)s). We e-mailed them their private link.",
        name=person.full_name,
        status=person.status.label,
    )


@bp.post("/d/<token>/attach")
def attach(token: str):
    access = _access(token)
    if not accreditation.is_open(access.meeting):
        return _closed(token)
    form = AttachForm()
    if not form.validate_on_submit():
        flash(_("Nothing was attached: nominate the person again."), "error")
        return _page(token)
    try:
        person = accreditation.attach(access, form.email.data)
    except accreditation.RegistrationClosed:
        db.session.rollback()
        return _closed(token)
    except accreditation.Full as error:
        db.session.rollback()
        flash(_full_message(error), "error")
    except accreditation.AlreadyInDelegation:
        db.session.rollback()
        flash(_("This person is already a member of your delegation."), "info")
    except (
        accreditation.NotFound,
        accreditation.InOtherDelegation,
        accreditation.AlreadyRegistered,
    ):
        db.session.rollback()
        flash(
            _(
                "This registration cannot be attached to your delegation. Write to the"
                " secretariat: %(address)s",
                address=registration.secretariat_address(access.meeting),
            ),
            "error",
        )
    else:
        commit()
        flash(_("%(name)s is now a member of your delegation.", name=person.full_name), "success")
    return _page(token)


@bp.post("/d/<token>/invite")
def invite(token: str):
    access = _access(token)
    if not accreditation.is_open(access.meeting):
        return _closed(token)
    form = _invite_form(access)
    if not form.validate_on_submit():
        return _render_page(access, status=422, invite_form=form)
    try:
        invitation = accreditation.invite(
            access, form.name.data, form.email.data, form.language.data
        )
    except accreditation.RegistrationClosed:
        db.session.rollback()
        return _closed(token)
    commit()
    flash(_("An invitation was sent to %(email)s.", email=invitation.email), "success")
    return _page(token)


# --- Substitutions and the head ------------------------------------------------------


@bp.route("/d/<token>/members/<int:participant_id>/replace", methods=["GET", "POST"])
@accepts_upload(_form_upload_limit)
def replace(token: str, participant_id: int):
    access = _access(token)
    old = _member(access, participant_id)
    if not accreditation.is_open(access.meeting):
        return _closed(token)
    if not old.holds_seat:
        flash(_("Only a member who holds a seat can be replaced."), "error")
        return _page(token)
    form = nomination_form(access.delegation)
    if not form.is_submitted():
        form.preferred_language.data = current_language()
        form.category.data = old.category.value
    attach_form = None
    if form.validate_on_submit():
        answers, chosen = form.answers()
        try:
            new = accreditation.substitute(
                old,
                form.values(),
                answers=answers,
                files=chosen,
                questions=form.questions,
                focal_point=access.focal_point,
            )
        except accreditation.RegistrationClosed:
            db.session.rollback()
            return _closed(token)
        except accreditation.NoSeat:
            db.session.rollback()
            flash(_("Only a member who holds a seat can be replaced."), "error")
            return _page(token)
        except REFUSALS as error:
            db.session.rollback()
            form.forget_kept_files()
            _refusal(form, error, access)
        else:
            commit()
            flash(
                _(
                    "%(old)s is replaced by %(new)s. We e-mailed them both.",
                    old=old.full_name,
                    new=new.full_name,
                ),
                "success",
            )
            return _page(token)
    return _nomination_page(access, form, attach_form, replaced=old)


@bp.post("/d/<token>/head")
def head(token: str):
    access = _access(token)
    delegation = access.delegation
    chosen = request.form.get("head_id", "")
    # Another delegation's member is not found here, as in every /d/<token>/ URL.
    if chosen.isdigit() and accreditation.member(delegation, int(chosen)) is None:
        abort(404)
    if not accreditation.is_open(access.meeting):
        return _closed(token)
    holders = [m for m in accreditation.members(delegation) if m.holds_seat]
    form = HeadForm(holders)
    if not form.validate_on_submit():
        return _render_page(access, status=422, head_form=form)
    person = accreditation.member(delegation, int(form.head_id.data))
    try:
        accreditation.choose_head(access, person)
    except (accreditation.NoSeat, accreditation.NotFound):
        db.session.rollback()
        form.head_id.errors.append(_("Choose a member of the delegation."))
        return _render_page(access, status=422, head_form=form)
    except accreditation.RegistrationClosed:
        db.session.rollback()
        return _closed(token)
    commit()
    flash(_("%(name)s is the head of your delegation.", name=person.full_name), "success")
    return _page(token)


# --- The credentials letter ----------------------------------------------------------


@bp.post("/d/<token>/credentials")
@accepts_upload(_credentials_limit)
def credentials(token: str):
    access = _access(token)
    if not accreditation.is_open(access.meeting):
        return _closed(token)
    form = CredentialsForm()
    if form.validate_on_submit():
        upload = form.letter.data
        try:
            accreditation.store_credentials(
                access.delegation,
                upload.read(),
                upload.filename or "",
                form.dated.data,
                form.reference.data or "",
                access.signature,
            )
        except files.FileRefused as error:
            db.session.rollback()
            form.letter.errors.append(files.message(error))
        except accreditation.CredentialDateInFuture:
            db.session.rollback()
            form.dated.errors.append(_("The letter's date cannot be in the future."))
        else:
            commit()
            flash(_("Your delegation's credentials letter is received."), "success")
            return _page(token)
    return _render_page(access, status=422, credentials_form=form)


@bp.get("/d/<token>/credentials/<int:credential_id>")
def credential(token: str, credential_id: int):
    access = _access(token)
    letter = accreditation.credential(access.delegation, credential_id)
    if letter is None:
        abort(404)
    return accreditation.credentials_response(letter)
