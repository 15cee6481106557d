"""Staff sign-in (password, then a code when two-factor sign-in is on), the
one-time links of invitations and password resets, and one's own account."""

import time

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from meeting_app.accounts import services, staff, two_factor
from meeting_app.accounts.forms import (
    ChangePasswordForm,
    ChoosePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    PasswordConfirmForm,
)
from meeting_app.accounts.models import TokenPurpose, User
from meeting_app.core.i18n import SESSION_KEY, current_language
from meeting_app.core.limits import failed_lookup_limit
from meeting_app.core.tasks import commit
from meeting_app.core.views import private_page, safe_next
from meeting_app.extensions import db, limiter

bp = Blueprint("accounts", __name__)

# After a right password, the account waiting for its code (no one is signed in yet).
PENDING_KEY = "pending_two_factor"
PENDING_FOR_SECONDS = 300
# A two-factor secret shown on the set-up page, not confirmed yet.
SETUP_SECRET_KEY = "two_factor_setup_secret"  # noqa: S105 (a key name)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _fresh_session() -> None:
    """Start a new session on sign-in and sign-out, so nothing set before it
    survives (session fixation), except the language the person chose."""
    language = session.get(SESSION_KEY)
    session.clear()
    if language:
        session[SESSION_KEY] = language


def _home_for(user) -> str:
    return url_for("manage.index") if user.organises_any else url_for("desk.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong e-mail or password."))
        elif user.two_factor_enabled:
            _fresh_session()
            # Only a marker: the account is not signed in until its code is right.
            session[PENDING_KEY] = {
                "user": user.id,
                "at": int(time.time()),
                "next": safe_next(request.args.get("next"), ""),
            }
            return redirect(url_for("accounts.login_code"))
        else:
            _fresh_session()
            sign_in(user)
            commit()
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next"), _home_for(user)))
    status = 200 if not form.errors else 422
    return render_template("accounts/login.html", form=form), status


def _pending_user() -> User | None:
    """The account whose password was right a few minutes ago in this browser."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if time.time() - pending.get("at", 0) > PENDING_FOR_SECONDS:
        return None
    user = db.session.get(User, pending["user"])
    if user is None or not services.may_sign_in(user) or not user.two_factor_enabled:
        return None
    return user


def _pending_account_key() -> str:
    """The code step's second limit counts per account, whatever the address."""
    pending = session.get(PENDING_KEY)
    user_id = pending.get("user") if isinstance(pending, dict) else None
    return f"two-factor:{user_id}"


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_pending_account_key)
def login_code():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Sign in with your password first."), "info")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.verify(user, form.code.data):
            target = session[PENDING_KEY].get("next") or _home_for(user)
            _fresh_session()
            sign_in(user)
            commit()
            flash(_("You are signed in."), "success")
            return redirect(safe_next(target, _home_for(user)))
        commit()
        form.code.errors.append(_("This code is wrong, expired or already used."))
    status = 200 if not form.errors else 422
    return render_template("accounts/code.html", form=form), status


def sign_in(user) -> None:
    """Opens a server-side session for `user` in this browser (the caller commits)."""
    session[services.SESSION_TOKEN_KEY] = services.start_session(user)
    login_user(user)
    if user.language:
        session[SESSION_KEY] = user.language


@bp.post("/logout")
def logout():
    services.end_session(session.get(services.SESSION_TOKEN_KEY))
    commit()
    logout_user()
    _fresh_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("meetings.home"))


# --- Forgotten passwords and invitations ---------------------------------------------


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same answer whether the address has an account or not.
        staff.request_password_reset(form.email.data, language=current_language())
        commit()
        return render_template("accounts/forgot_sent.html", email=form.email.data)
    status = 200 if not form.errors else 422
    return render_template("accounts/forgot.html", form=form), status


def _link_invalid():
    """One page for a forged, used, revoked or expired link: it tells nothing apart."""
    return private_page((render_template("accounts/link_invalid.html"), 404))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@failed_lookup_limit
def reset_password(token: str):
    link = staff.valid_link(token, TokenPurpose.PASSWORD_RESET)
    if link is None:
        return _link_invalid()
    form = ChoosePasswordForm()
    form.account_email = link.user.email
    if form.validate_on_submit():
        staff.reset_password(token, form.new_password.data)
        commit()
        if current_user.is_authenticated:
            logout_user()
        _fresh_session()
        flash(_("Your password is changed. Sign in with it."), "success")
        return redirect(url_for("accounts.login"))
    status = 200 if not form.errors else 422
    page = render_template("accounts/choose_password.html", form=form, purpose="reset")
    return private_page((page, status))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@failed_lookup_limit
def invitation(token: str):
    link = staff.valid_link(token, TokenPurpose.INVITATION)
    if link is None:
        return _link_invalid()
    form = ChoosePasswordForm()
    form.account_email = link.user.email
    if form.validate_on_submit():
        user = staff.accept_invitation(token, form.new_password.data)
        _fresh_session()
        sign_in(user)
        commit()
        flash(_("Welcome: your password is set and you are signed in."), "success")
        return redirect(url_for("accounts.account"))
    status = 200 if not form.errors else 422
    page = render_template(
        "accounts/choose_password.html", form=form, purpose="invitation", email=link.user.email
    )
    return private_page((page, status))


# --- One's own account ---------------------------------------------------------------


def _account_page(password_form=None, language_form=None, status=200):
    language_form = language_form or LanguageForm(
        formdata=None, language=current_user.language or ""
    )
    return render_template(
        "accounts/account.html",
        password_form=password_form or ChangePasswordForm(formdata=None),
        language_form=language_form,
        codes_left=two_factor.recovery_codes_left(current_user),
        required=services.two_factor_required(current_user),
    ), status


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    form.account_email = current_user.email
    if form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("This is not your current password."))
        else:
            services.set_password(
                current_user,
                form.new_password.data,
                keep_session=session.get(services.SESSION_TOKEN_KEY),
            )
            commit()
            flash(_("Your password is changed; your other sessions are signed out."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(password_form=form, status=422)


@bp.post("/account/language")
@login_required
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        current_user.language = form.language.data or None
        commit()
        if current_user.language:
            session[SESSION_KEY] = current_user.language
        else:
            session.pop(SESSION_KEY, None)
        flash(_("Your interface language is saved."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(language_form=form, status=422)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    user = current_user
    required = request.args.get("required") == "1" or services.two_factor_required(user)
    if user.two_factor_enabled:
        return render_template(
            "accounts/two_factor_on.html",
            form=PasswordConfirmForm(formdata=None),
            codes_form=PasswordConfirmForm(formdata=None, prefix="codes"),
            codes_left=two_factor.recovery_codes_left(user),
            required=two_factor.required_of(user),
        )
    secret = session.get(SETUP_SECRET_KEY)
    if not isinstance(secret, str) or len(secret) != 32:
        secret = session[SETUP_SECRET_KEY] = two_factor.new_secret()
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.enable(
            user, secret, form.code.data, keep=session.get(services.SESSION_TOKEN_KEY)
        )
        if codes is not None:
            commit()
            session.pop(SETUP_SECRET_KEY, None)
            page = render_template("accounts/recovery_codes.html", codes=codes, first_time=True)
            return private_page(page)
        form.code.errors.append(_("This code is wrong or expired: try the newest one."))
    uri = two_factor.provisioning_uri(user, secret)
    page = render_template(
        "accounts/two_factor_setup.html",
        form=form,
        qr=two_factor.qr_data_uri(uri),
        secret=two_factor.grouped(secret),
        required=required,
    )
    return private_page((page, 422 if form.errors else 200))


def _password_right(form) -> bool:
    if not form.validate_on_submit():
        return False
    if not check_password_hash(current_user.password_hash, form.password.data):
        form.password.errors.append(_("This is not your password."))
        return False
    return True


@bp.post("/account/two-factor/off")
@login_required
def two_factor_off():
    form = PasswordConfirmForm()
    if _password_right(form):
        try:
            two_factor.disable(current_user)
        except two_factor.TwoFactorRequired:
            db.session.rollback()
            flash(_("Administrators require two-factor sign-in of your account."), "error")
            return redirect(url_for("accounts.two_factor_setup"))
        commit()
        flash(_("Two-factor sign-in is off."), "info")
        return redirect(url_for("accounts.account"))
    return render_template(
        "accounts/two_factor_on.html",
        form=form,
        codes_form=PasswordConfirmForm(formdata=None, prefix="codes"),
        codes_left=two_factor.recovery_codes_left(current_user),
        required=two_factor.required_of(current_user),
    ), 422


@bp.post("/account/two-factor/recovery-codes")
@login_required
def new_recovery_codes():
    form = PasswordConfirmForm(prefix="codes")
    if not current_user.two_factor_enabled:
        return redirect(url_for("accounts.two_factor_setup"))
    if _password_right(form):
        codes = two_factor.new_recovery_codes(current_user)
        commit()
        return private_page(
            render_template("accounts/recovery_codes.html", codes=codes, first_time=False)
        )
    return render_template(
        "accounts/two_factor_on.html",
        form=PasswordConfirmForm(formdata=None),
        codes_form=form,
        codes_left=two_factor.recovery_codes_left(current_user),
        required=two_factor.required_of(current_user),
    ), 422
