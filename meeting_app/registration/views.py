"""Participants' pages: the registration form and the private link (no account)."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from meeting_app.core import tokens
from meeting_app.core.forms import EmptyForm, choices
from meeting_app.core.i18n import LANGUAGE_NAMES, current_language, language_from_address
from meeting_app.core.tasks import commit
from meeting_app.core.uploads import accepts_upload
from meeting_app.core.views import private_page
from meeting_app.delegations.models import NominationInvitation
from meeting_app.documents import letters
from meeting_app.extensions import db, limiter
from meeting_app.files import services as files
from meeting_app.mail import services as mail
from meeting_app.meetings import services as meetings
from meeting_app.questions import fields, filling
from meeting_app.questions.services import hidden_fields
from meeting_app.registration import seats, sections, services
from meeting_app.registration.forms import CancelForm, RegistrationForm, SendLinkForm
from meeting_app.registration.models import Category

bp = Blueprint("registration", __name__)


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def registration_form(meeting, **kwargs) -> RegistrationForm:
    """The meeting's form as participants see it: the built-in fields it asks and
    its questions but the organisers-only ones (`answers`: the person's, on edit)."""
    form_class = fields.question_form(RegistrationForm, meeting, audience=fields.PARTICIPANT)
    return form_class(
        services.delegation_choices(meeting, current_language()),
        LANGUAGE_NAMES,
        hidden=hidden_fields(meeting),
        participation_mode=meeting.participation_mode,
        **kwargs,
    )


def _keep_files(form) -> None:
    """A form sent back with errors: the files it accepted are stored (nobody's
    yet) so that the person need not send them again."""
    if form.errors and form.new_files:
        commit()


def _invitation(meeting, token: str) -> NominationInvitation | None:
    """The meeting's nomination invitation of `token` (?invitation=), if it is not
    used yet and its focal point's link still works; None for any other."""
    if not tokens.plausible(token):
        return None
    invitation = db.session.execute(
        sa.select(NominationInvitation).filter_by(token_selector=tokens.selector_of(token))
    ).scalar_one_or_none()
    if (
        invitation is None
        or not tokens.same_token(invitation.token, token)
        or invitation.participant_id is not None
        or invitation.delegation.meeting_id != meeting.id
        or (invitation.focal_point is not None and invitation.focal_point.revoked_at is not None)
    ):
        return None
    return invitation


def _invited(form, invitation: NominationInvitation) -> None:
    """The invitation's delegation, fixed: the only choice, not to be changed (and
    forced, whatever the browser sends)."""
    delegation = invitation.delegation
    field = form.delegation_id
    field.choices = choices([(str(delegation.id), delegation.country.name(current_language()))])
    field.data = str(delegation.id)
    field.render_kw = {"disabled": True}


def _seat_refused(form, refused: services.SeatRefused, invitation) -> None:
    """An invited person's delegation, or its quota for their category, is full."""
    focal_point = invitation.focal_point.name if invitation.focal_point else ""
    if refused.result is seats.SeatResult.QUOTA_FULL:
        form.category.errors.append(
            _(
                "Your delegation's quota for %(category)s is full: write to your"
                " delegation's focal point %(name)s.",
                category=Category(form.category.data).label,
                name=focal_point,
            )
        )
    else:
        form.delegation_id.errors.append(
            _(
                "Your delegation is full: write to your delegation's focal point %(name)s.",
                name=focal_point,
            )
        )


@bp.route("/meetings/<slug>/register", methods=["GET", "POST"])
@language_from_address
@accepts_upload(fields.upload_limit)
@limiter.limit(_registration_limit, methods=["POST"])
def register(slug: str):
    meeting = meetings.get_public_meeting(slug)
    state = meetings.registration_state(meeting)
    if meeting.status.value != "published" or state != "open":
        return render_template("registration/closed.html", meeting=meeting, state=state)
    invitation = _invitation(meeting, request.args.get("invitation", ""))
    if invitation is None and meeting.registration_mode == "nominations":
        # Only the delegations' focal points register people: the form says how.
        return render_template(
            "delegations/focal_point_nominations_only.html",
            meeting=meeting,
            contact=services.secretariat_address(meeting),
        ), 403 if request.method == "POST" else 200
    form = registration_form(meeting)
    if invitation is not None:
        _invited(form, invitation)
    if not form.is_submitted():
        form.preferred_language.data = current_language()
        if invitation is not None:
            form.email.data = invitation.email
            flash(
                _(
                    "You are invited to register in the delegation of %(country)s.",
                    country=invitation.delegation.country.name(current_language()),
                ),
                "info",
            )
    if form.validate_on_submit():
        email = form.email.data
        answers, chosen = form.answers()
        try:
            services.register(
                meeting,
                form.values(),
                answers=answers,
                files=chosen,
                questions=form.questions,
                invitation=invitation,
            )
        except services.RegistrationClosed:
            return render_template("registration/closed.html", meeting=meeting, state="closed")
        except services.DuplicateRegistration:
            # The same answer as a new registration: the address's owner gets their
            # existing link by e-mail, a stranger learns nothing.
            db.session.rollback()
            services.send_link_again(meeting, email)
        except services.SeatRefused as refused:  # with an invitation only
            db.session.rollback()
            form.forget_kept_files()
            _seat_refused(form, refused, invitation)
        except services.InvitationUsed:
            db.session.rollback()
            form.forget_kept_files()
            form.email.errors.append(_("This invitation has already been used."))
        if not form.errors:
            commit()
            session["registered"] = {"email": email}
            return redirect(url_for("registration.thanks", slug=slug))
    _keep_files(form)
    status = 422 if form.errors else 200
    return render_template(
        "registration/register.html",
        meeting=meeting,
        form=form,
        question_groups=form.groups(),
    ), status


@bp.get("/meetings/<slug>/register/thanks")
def thanks(slug: str):
    meeting = meetings.get_public_meeting(slug)
    registered = session.pop("registered", None)
    if registered is None:
        return redirect(url_for("registration.register", slug=slug))
    return render_template(
        "registration/thanks.html",
        meeting=meeting,
        link_interval=max(1, current_app.config["PRIVATE_LINK_MAIL_INTERVAL"] // 60),
        **registered,
    )


@bp.route("/meetings/<slug>/register/link", methods=["GET", "POST"])
@limiter.limit(_registration_limit, methods=["POST"])
def send_link(slug: str):
    meeting = meetings.get_public_meeting(slug)
    form = SendLinkForm()
    if form.validate_on_submit():
        services.send_link_again(meeting, form.email.data)
        commit()
        session["registered"] = {
            "email": form.email.data,
            "link_only": True,
        }
        return redirect(url_for("registration.thanks", slug=slug))
    return render_template("registration/send_link.html", meeting=meeting, form=form), (
        422 if form.errors else 200
    )


def _participant_or_404(token: str):
    participant = services.find_by_token(token)
    if participant is None:
        abort(404)
    return participant


# Every page here is reached by a private link or carries the person's data.
bp.after_request(private_page)


def _file_url(participant):
    return lambda file: url_for("registration.own_file", token=participant.token, file_id=file.id)


@bp.get("/r/<token>")
def private_page(token: str):
    participant = _participant_or_404(token)
    meeting = participant.meeting
    registration = meetings.registration_state(meeting)
    return render_template(
        "registration/private.html",
        participant=participant,
        meeting=meeting,
        registration=registration,
        hidden=hidden_fields(meeting),
        answers=filling.shown_answers(participant),
        file_url=_file_url(participant),
        cancel_form=CancelForm(),
        again_form=EmptyForm(),
        returnable=registration == "open" and services.cancelled_by_themselves(participant),
        held=services.held_on_waiting_list(participant),
        secretariat=services.secretariat_address(meeting),
        documents=letters.documents_for(participant),
        mails=mail.mails_of(participant.id),
        sections=sections.render(participant),
    )


@bp.get("/r/<token>/mails/<int:mail_id>")
def own_mail(token: str, mail_id: int):
    """One of the mails written to the person, as it was sent (a lost mail, a link
    to find again)."""
    participant = _participant_or_404(token)
    found = mail.mails_of(participant.id, mail_id)
    if not found:
        abort(404)
    return render_template(
        "registration/mail.html",
        participant=participant,
        meeting=participant.meeting,
        mail=found[0],
    )


@bp.get("/r/<token>/files/<int:file_id>")
def own_file(token: str, file_id: int):
    """A file the person gave with their registration (never one of an
    organisers-only question), as an attachment."""
    participant = _participant_or_404(token)
    found = filling.own_file(participant, file_id)
    if found is None:
        abort(404)
    return files.response(found)


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@accepts_upload(fields.upload_limit)
def edit(token: str):
    participant = _participant_or_404(token)
    meeting = participant.meeting
    state = meetings.registration_state(meeting)
    if state != "open":
        flash(
            _("This meeting is archived: registrations can no longer be changed.")
            if state == "archived"
            else _("Registration is closed: write to the organisers to change your details."),
            "warning",
        )
        return redirect(url_for("registration.private_page", token=token))
    form = registration_form(meeting, answers=filling.stored_answers(participant))
    del form.acknowledge_data_use
    if not form.is_submitted():
        form.fill_from(participant)
        form.fill_answers()
    if form.validate_on_submit():
        answers, chosen = form.answers()
        try:
            changed = services.update_registration(
                participant,
                form.values(),
                answers=answers,
                files=chosen,
                questions=form.questions,
            )
        except services.DuplicateRegistration:
            db.session.rollback()
            form.forget_kept_files()
            form.email.errors.append(_("This address cannot be used for this meeting."))
        except services.DelegationFull:
            db.session.rollback()
            form.forget_kept_files()
            form.delegation_id.errors.append(_("This delegation is full."))
        except services.InPersonFull:
            db.session.rollback()
            form.forget_kept_files()
            form.attendance_mode.errors.append(
                _("The meeting has no in-person place left: you may take part online.")
            )
        else:
            commit()
            flash(_("Your changes are saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("registration.private_page", token=token))
    _keep_files(form)
    return render_template(
        "registration/edit.html",
        participant=participant,
        meeting=meeting,
        form=form,
        question_groups=form.groups(file_url=_file_url(participant)),
    ), 422 if form.errors else 200


@bp.post("/r/<token>/cancel")
def cancel(token: str):
    participant = _participant_or_404(token)
    if meetings.is_archived(participant.meeting):
        flash(_("This meeting is archived: registrations can no longer be cancelled."), "warning")
        return redirect(url_for("registration.private_page", token=token))
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm the cancellation."), "error")
        return redirect(url_for("registration.private_page", token=token))
    try:
        services.cancel(participant)
    except services.StaleChange:
        db.session.rollback()
    except services.NotReturnable:
        flash(_("The organisers declined this registration: there is nothing to cancel."), "info")
        return redirect(url_for("registration.private_page", token=token))
    commit()
    flash(_("Your registration is cancelled."), "info")
    return redirect(url_for("registration.private_page", token=token))


@bp.post("/r/<token>/register-again")
def register_again(token: str):
    """A registration its owner cancelled, taken back from the private page."""
    participant = _participant_or_404(token)
    back = redirect(url_for("registration.private_page", token=token))
    if not EmptyForm().validate_on_submit():
        return back
    try:
        services.register_again(participant)
    except services.RegistrationClosed:
        flash(_("Registration is closed: write to the organisers."), "warning")
        return back
    except (services.NotReturnable, services.StaleChange):
        db.session.rollback()
        return back  # the page shows the registration as it now is
    commit()
    flash(
        _("Your registration is taken up again: %(status)s.", status=participant.status.label),
        "success",
    )
    return back
