"""Staff accounts: creation, authentication, server-side sessions, and the
guard that checks a role in the meeting a page is about."""

import functools
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from meeting_app.accounts.models import MeetingRole, Role, SiteSetting, StaffSession, User
from meeting_app.core.tokens import digest, new_token
from meeting_app.extensions import db, login_manager
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow

MIN_PASSWORD_LENGTH = 12

# Checked when the e-mail is unknown, so that both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def may_sign_in(user: User) -> bool:
    return user.active and (current_app.config["DEMO_ACCOUNTS_ALLOWED"] or not user.is_demo)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(
    email: str,
    password: str | None,
    *,
    is_admin: bool = False,
    roles: dict[Meeting, Role] | None = None,
    is_demo: bool = False,
) -> User:
    """A new staff account: an administrator, or the `roles` given per meeting.
    Without a password (an invitation) nobody can sign in to it until one is
    chosen. Raises AccountError for a taken e-mail or a password refused."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"{email!r} is not an e-mail address.")
    if password is not None:
        problem = password_problem(password, email)
        if problem:
            raise AccountError(problem)
    if find_user(email) is not None:
        raise AccountError(f"An account for {email} already exists.")
    user = User(
        email=email,
        password_hash=hash_password(password) if password is not None else "",
        is_admin=is_admin,
        is_demo=is_demo,
    )
    db.session.add(user)
    for meeting, role in (roles or {}).items():
        user.meeting_roles.append(MeetingRole(meeting_id=meeting.id, role=role))
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.execute(
        db.select(User).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()


def password_problem(password: str, email: str = "") -> str | None:
    """Why `password` is refused, in English (the forms say it in the reader's
    language through `password_problem_code`), or None."""
    return {
        "short": f"The password must have at least {MIN_PASSWORD_LENGTH} characters.",
        "email": "The password must not be the e-mail address.",
        "common": "This password is in a list of common passwords: choose another.",
    }.get(password_problem_code(password, email))


def password_problem_code(password: str, email: str = "") -> str | None:
    """'short', 'email', 'common' or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    folded = password.strip().casefold()
    if email and folded in {email.casefold(), email.casefold().split("@")[0]}:
        return "email"
    if folded in common_passwords():
        return "common"
    return None


@functools.cache
def common_passwords() -> frozenset[str]:
    """The common passwords of 12 characters or more that ship with the project
    (shorter ones are refused for their length): those of Django's list of 20,000
    (django/contrib/auth/common-passwords.txt.gz, BSD licence)."""
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(
        line.strip().casefold() for line in path.read_text("utf-8").splitlines() if line.strip()
    )


def set_password(user: User, password: str, *, keep_session: str | None = None) -> None:
    """A new password (checked as at creation); every session of the account ends
    but `keep_session`, the one changing it."""
    problem = password_problem(password, user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    end_sessions(user, keep=keep_session)


def authenticate(email: str, password: str) -> User | None:
    """The account these credentials open, or None (same answer and cost for a
    wrong password, an unknown e-mail, a disabled or a refused demo account, or
    an invitation not taken up yet). Two-factor sign-in comes after this."""
    user = find_user(email)
    if user is None or not user.has_password:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not may_sign_in(user):
        return None
    return user


# --- Sessions kept on the server ---------------------------------------------------

# The key in Flask's signed session cookie that holds the staff session's token.
SESSION_TOKEN_KEY = "staff_session"  # noqa: S105 (a key name)


def start_session(user: User) -> str:
    """Records a new signed-in browser for `user` and returns its token (kept in
    the session cookie by the view)."""
    token = new_token()
    db.session.add(StaffSession(user_id=user.id, token_hash=digest(token)))
    user.last_login_at = utcnow()
    db.session.flush()
    return token


def end_session(token: str | None) -> None:
    """Signs this browser out: its cookie, even a copy, opens nothing any more."""
    if token:
        db.session.execute(db.delete(StaffSession).filter_by(token_hash=digest(token)))


def end_sessions(user: User, *, keep: str | None = None) -> None:
    """Signs `user` out everywhere (but the browser holding `keep`)."""
    query = db.delete(StaffSession).filter_by(user_id=user.id)
    if keep:
        query = query.filter(StaffSession.token_hash != digest(keep))
    db.session.execute(query)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the account, only while this browser's session row
    exists and the account may sign in."""
    token = session.get(SESSION_TOKEN_KEY)
    if not user_id.isdigit() or not isinstance(token, str):
        return None
    row = db.session.execute(
        db.select(StaffSession).filter_by(token_hash=digest(token))
    ).scalar_one_or_none()
    if row is None or row.user_id != int(user_id):
        return None
    user = db.session.get(User, row.user_id)
    if user is None or not may_sign_in(user):
        return None
    return user


# --- Site-wide settings -------------------------------------------------------------

REQUIRE_TWO_FACTOR = "require_two_factor_for_organisers"


def setting(key: str, default: str = "") -> str:
    row = db.session.get(SiteSetting, key)
    return row.value if row is not None else default


def set_setting(key: str, value: str) -> None:
    row = db.session.get(SiteSetting, key)
    if row is None:
        db.session.add(SiteSetting(key=key, value=value))
    else:
        row.value = value
    db.session.flush()


def two_factor_required(user: User) -> bool:
    """Whether this account must set up two-factor sign-in before anything else:
    administrators may require it of everyone who sees passport numbers."""
    return (
        user.sees_passports and not user.two_factor_enabled and setting(REQUIRE_TWO_FACTOR) == "yes"
    )


# --- The guard of staff pages -------------------------------------------------------


class _SiteWide:
    """What a meeting resolver answers for a page about no one meeting."""


SITE_WIDE = _SiteWide()
MeetingResolver = Callable[[dict], "Meeting | _SiteWide | None"]


def meeting_from_slug(view_args: dict) -> "Meeting | _SiteWide | None":
    """The meeting a page's `<slug>` names (None: no such meeting)."""
    slug = view_args.get("slug")
    if slug is None:
        return SITE_WIDE
    return db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()


def for_staff_of_any_meeting(view):
    """Marks a page about no one meeting that every account holding the blueprint's
    role somewhere may open (a list it filters to their meetings). Other such pages
    are the administrators'."""
    view.for_staff_of_any_meeting = True
    return view


def _sign_in_first():
    """What both guards answer before looking at roles: the login page for
    anonymous people, the two-factor set-up where administrators require it."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if two_factor_required(current_user):
        return redirect(url_for("accounts.two_factor_setup", required=1))
    return None


def require_role(
    blueprint: Blueprint, role: Role, meeting_of: MeetingResolver = meeting_from_slug
) -> None:
    """Guard every view of `blueprint`, set once so that no view can forget it:
    anonymous people go to the login page; a page about a meeting needs `role` in
    that meeting (a meeting where the account holds no role is a 404, as an unknown
    one: drafts stay unknown); a page about no meeting needs the role somewhere
    (pages marked `for_staff_of_any_meeting`) or an administrator. The meeting is
    left in `g.meeting` for the view."""

    @blueprint.before_request
    def _check_role():
        turned_away = _sign_in_first()
        if turned_away is not None:
            return turned_away
        user = current_user
        meeting = meeting_of(request.view_args or {})
        if meeting is None:
            abort(404)
        if meeting is SITE_WIDE:
            view = current_app.view_functions.get(request.endpoint)
            if user.is_admin:
                return None
            if getattr(view, "for_staff_of_any_meeting", False) and user.meeting_ids(role):
                return None
            abort(403)
        if not user.may(role, meeting):
            abort(403 if user.role_in(meeting.id) is not None else 404)
        g.meeting = meeting
        return None


def require_admin(blueprint: Blueprint) -> None:
    """Guard a blueprint of administrators' pages (staff, settings of the site)."""

    @blueprint.before_request
    def _check_admin():
        turned_away = _sign_in_first()
        if turned_away is not None:
            return turned_away
        if not current_user.is_admin:
            abort(403)
        return None


def meetings_where(user: User, role: Role, column=Meeting.id):
    """A filter for the rows of the meetings where `user` may act as `role`:
    meetings themselves, or rows whose `column` names their meeting."""
    if user.is_admin:
        return sa.true()
    return column.in_(user.meeting_ids(role))
