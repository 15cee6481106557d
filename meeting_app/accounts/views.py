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
from flask_login import current_user, login_user, logout_user

from meeting_app.accounts import services
from meeting_app.accounts.forms import LoginForm
from meeting_app.core.i18n import SESSION_KEY
from meeting_app.core.views import safe_next
from meeting_app.extensions import db, limiter

bp = Blueprint("accounts", __name__)


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
    return url_for("manage.index") if user.is_organiser else url_for("desk.index")


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
        else:
            _fresh_session()
            login_user(user)
            db.session.commit()
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next"), _home_for(user)))
    status = 200 if not form.errors else 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    _fresh_session()
    flash(_("You are signed out."), "info")
    return redirect(url_for("meetings.home"))
