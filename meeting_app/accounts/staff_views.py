"""/manage/staff: administrators invite staff, give and take roles per meeting,
disable accounts and require two-factor sign-in."""

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meeting_app.accounts import services, staff
from meeting_app.accounts.forms import ROLE_LABELS, GrantForm, InviteForm, SiteSettingsForm
from meeting_app.accounts.models import Role, User
from meeting_app.core.forms import EmptyForm
from meeting_app.core.i18n import current_language, localized
from meeting_app.core.tasks import commit
from meeting_app.extensions import db
from meeting_app.models import utcnow

bp = Blueprint("staff", __name__, url_prefix="/manage/staff")
services.require_admin(bp)


@bp.app_template_global()
def staff_role_label(role) -> str:
    return str(ROLE_LABELS[Role(role)])


def _meeting_choices(meetings) -> list[tuple[int, str]]:
    return [(m.id, f"{localized(m.title, m.default_language).text} ({m.slug})") for m in meetings]


def _my_token() -> str | None:
    return session.get(services.SESSION_TOKEN_KEY)


def _account_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _checked(form_class=EmptyForm, **kwargs):
    """A form posted with its CSRF token, or 400."""
    form = form_class(**kwargs)
    if not form.validate_on_submit():
        return None
    return form


@bp.get("/")
def index():
    accounts = staff.all_accounts()
    meetings = {m.id: m for m in staff.all_meetings()}
    pending = {u.id: staff.pending_invitation(u) for u in accounts if not u.has_password}
    settings_form = SiteSettingsForm(
        formdata=None,
        require_two_factor=services.setting(services.REQUIRE_TWO_FACTOR) == "yes",
    )
    return render_template(
        "accounts/staff/index.html",
        accounts=accounts,
        meetings=meetings,
        pending=pending,
        settings_form=settings_form,
        now=utcnow(),
    )


@bp.post("/settings")
def settings():
    form = SiteSettingsForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_setting(services.REQUIRE_TWO_FACTOR, "yes" if form.require_two_factor.data else "")
    commit()
    flash(_("The settings are saved."), "success")
    return redirect(url_for("staff.index"))


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    meetings = staff.all_meetings()
    form = InviteForm(meetings=_meeting_choices(meetings))
    if request.method == "GET":
        form.language.data = current_language()
        preselected = request.args.get("meeting", type=int)
        if preselected:
            form.meetings.data = [preselected]
    existing = None
    if form.validate_on_submit():
        by_id = {m.id: m for m in meetings}
        roles = (
            {}
            if form.is_admin.data
            else {by_id[mid]: Role(form.role.data) for mid in form.meetings.data}
        )
        existing = services.find_user(form.email.data)
        if existing is not None and request.form.get("grant_existing") == "1":
            _grant_all(existing, form.is_admin.data, roles)
            commit()
            flash(_("The roles are given to %(email)s.", email=existing.email), "success")
            return redirect(url_for("staff.account", user_id=existing.id))
        if existing is None:
            user, _link = staff.invite(
                form.email.data,
                is_admin=form.is_admin.data,
                roles=roles,
                language=form.language.data,
                by=current_user,
            )
            commit()
            flash(_("The invitation is sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("staff.account", user_id=user.id))
        form.email.errors.append(
            _("This address already has an account: give it these roles instead.")
        )
    status = 422 if form.errors else 200
    return render_template("accounts/staff/invite.html", form=form, existing=existing), status


def _grant_all(user: User, is_admin: bool, roles: dict) -> None:
    if is_admin:
        staff.set_admin(user, True, by=current_user, keep=_my_token())
    for meeting, role in roles.items():
        staff.grant_role(user, meeting, role, by=current_user, keep=_my_token())


def _account_page(user: User, grant_form=None, status=200):
    meetings = staff.all_meetings()
    held = {r.meeting_id for r in user.meeting_roles}
    grant_form = grant_form or GrantForm(
        formdata=None, meetings=_meeting_choices([m for m in meetings if m.id not in held])
    )
    return render_template(
        "accounts/staff/account.html",
        account=user,
        meetings={m.id: m for m in meetings},
        grant_form=grant_form,
        invitation=staff.pending_invitation(user) if not user.has_password else None,
        now=utcnow(),
    ), status


@bp.get("/<int:user_id>")
def account(user_id: int):
    return _account_page(_account_or_404(user_id))


@bp.post("/<int:user_id>/roles")
def grant(user_id: int):
    user = _account_or_404(user_id)
    meetings = {m.id: m for m in staff.all_meetings()}
    form = GrantForm(meetings=_meeting_choices(meetings.values()))
    if not form.validate_on_submit():
        return _account_page(user, grant_form=form, status=422)
    meeting = meetings[form.meeting.data]
    staff.grant_role(user, meeting, Role(form.role.data), by=current_user, keep=_my_token())
    commit()
    flash(_("The role is given; the account's sessions are signed out."), "success")
    return redirect(url_for("staff.account", user_id=user.id))


@bp.post("/<int:user_id>/roles/<int:meeting_id>/revoke")
def revoke(user_id: int, meeting_id: int):
    user = _account_or_404(user_id)
    meeting = next((m for m in staff.all_meetings() if m.id == meeting_id), None)
    if _checked() is None or meeting is None:
        abort(400 if meeting is not None else 404)
    try:
        staff.revoke_role(user, meeting, by=current_user, keep=_my_token())
    except services.AccountError:
        db.session.rollback()
        abort(404)
    commit()
    flash(_("The role is taken away; the account's sessions are signed out."), "success")
    return redirect(url_for("staff.account", user_id=user.id))


@bp.post("/<int:user_id>/admin")
def admin(user_id: int):
    user = _account_or_404(user_id)
    if _checked() is None:
        abort(400)
    make_admin = request.form.get("is_admin") == "1"
    try:
        staff.set_admin(user, make_admin, by=current_user, keep=_my_token())
    except staff.LastAdministrator:
        db.session.rollback()
        flash(_("This is the last active administrator: make another one first."), "error")
        return redirect(url_for("staff.account", user_id=user.id))
    commit()
    if make_admin:
        flash(_("The account is an administrator now."), "success")
    else:
        flash(_("The account is no longer an administrator."), "success")
    if user.id == current_user.id and not make_admin:
        return redirect(url_for("accounts.account"))
    return redirect(url_for("staff.account", user_id=user.id))


@bp.post("/<int:user_id>/disable")
def disable(user_id: int):
    user = _account_or_404(user_id)
    if _checked() is None:
        abort(400)
    if user.id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("staff.account", user_id=user.id))
    try:
        staff.disable(user, by=current_user)
    except staff.LastAdministrator:
        db.session.rollback()
        flash(_("This is the last active administrator: make another one first."), "error")
        return redirect(url_for("staff.account", user_id=user.id))
    commit()
    flash(_("The account is disabled and signed out everywhere."), "success")
    return redirect(url_for("staff.account", user_id=user.id))


@bp.post("/<int:user_id>/enable")
def enable(user_id: int):
    user = _account_or_404(user_id)
    if _checked() is None:
        abort(400)
    staff.enable(user, by=current_user)
    commit()
    flash(_("The account is enabled again."), "success")
    return redirect(url_for("staff.account", user_id=user.id))


@bp.post("/<int:user_id>/invitation/resend")
def resend_invitation(user_id: int):
    user = _account_or_404(user_id)
    if _checked() is None:
        abort(400)
    if user.has_password:
        abort(409)
    staff.resend_invitation(user, by=current_user)
    commit()
    flash(_("A new invitation is sent; the earlier link no longer works."), "success")
    return redirect(url_for("staff.account", user_id=user.id))


@bp.post("/<int:user_id>/invitation/revoke")
def revoke_invitation(user_id: int):
    user = _account_or_404(user_id)
    if _checked() is None:
        abort(400)
    if user.has_password:
        abort(409)
    email = user.email
    staff.revoke_invitation(user, by=current_user)
    commit()
    flash(_("The invitation to %(email)s is withdrawn.", email=email), "success")
    return redirect(url_for("staff.index"))


@bp.post("/<int:user_id>/reset-password")
def send_reset(user_id: int):
    user = _account_or_404(user_id)
    if _checked() is None:
        abort(400)
    if not user.has_password or not user.active:
        abort(409)
    staff.request_password_reset(user.email, language=current_language(), force=True)
    commit()
    flash(_("A password-reset link is sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("staff.account", user_id=user.id))
