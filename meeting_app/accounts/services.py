"""Staff accounts: creation, authentication and the role guard for blueprints."""

from collections.abc import Iterable

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from meeting_app.accounts.models import Role, User
from meeting_app.extensions import db, login_manager
from meeting_app.models import utcnow

MIN_PASSWORD_LENGTH = 12

# Checked when the e-mail is unknown, so that both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is not None and not may_sign_in(user):
        return None
    return user


def may_sign_in(user: User) -> bool:
    return user.active and (current_app.config["DEMO_ACCOUNTS_ALLOWED"] or not user.is_demo)


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def create_user(email: str, password: str, role: Role, *, is_demo: bool = False) -> User:
    """A new staff account. Raises AccountError for a taken e-mail or a short password."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(f"{email!r} is not an e-mail address.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    if db.session.execute(db.select(User.id).filter_by(email=email)).first():
        raise AccountError(f"An account for {email} already exists.")
    user = User(email=email, password_hash=hash_password(password), role=role, is_demo=is_demo)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The account these credentials open, or None (same answer and cost for a
    wrong password, an unknown e-mail, a disabled or a refused demo account)."""
    user = db.session.execute(
        db.select(User).filter_by(email=normalise_email(email))
    ).scalar_one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not may_sign_in(user):
        return None
    user.last_login_at = utcnow()
    return user


def require_roles(blueprint: Blueprint, roles: Iterable[Role]) -> None:
    """Guard every view of `blueprint`: anonymous people go to the login page,
    signed-in staff without one of `roles` get 403. Set once per blueprint so
    that no view can forget it."""
    allowed = frozenset(roles)

    @blueprint.before_request
    def _check_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in allowed:
            abort(403)
        request.staff_user = current_user
