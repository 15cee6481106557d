"""Managing staff accounts: invitations, password resets, roles, disabling.

The web pages (`staff_views`, `views`) and the `flask users` commands call these
functions; they change data and flush, and the caller commits (and sends the
mail queued here with `core.tasks.commit`). `by` is the administrator acting, or
None for the command line. Every change of what an account may do ends its
sessions on the server, except `keep`, the acting administrator's own browser.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from meeting_app.accounts.models import (
    AccountToken,
    MeetingRole,
    Role,
    TokenPurpose,
    User,
)
from meeting_app.accounts.services import (
    AccountError,
    create_user,
    end_sessions,
    find_user,
    set_password,
)
from meeting_app.core.security import absolute_url
from meeting_app.core.tokens import digest, new_token, plausible
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.meetings.models import Meeting
from meeting_app.models import utcnow
from meeting_app.privacy import audit

INVITATION_VALID_FOR = timedelta(hours=72)
RESET_VALID_FOR = timedelta(hours=1)
# At most one reset mail per address in this time, whoever asks how often.
RESET_MAIL_EVERY = timedelta(minutes=5)

_VALID_FOR = {
    TokenPurpose.INVITATION: INVITATION_VALID_FOR,
    TokenPurpose.PASSWORD_RESET: RESET_VALID_FOR,
}


class AccountExists(AccountError):
    """An invitation to an address that already has an account: give it the role."""

    def __init__(self, user: User):
        super().__init__(f"An account for {user.email} already exists.")
        self.user = user


class LastAdministrator(AccountError):
    """The change would leave the site without an active administrator."""


def _subject(user: User) -> str:
    # Account ids, not addresses: the audit log holds no personal values.
    return f"account {user.id}"


# --- One-time links ------------------------------------------------------------------


def _new_link(user: User, purpose: TokenPurpose, by: User | None, now: datetime) -> str:
    """A new one-time link for `user`; the earlier ones of that purpose stop working."""
    _revoke_links(user, purpose, now)
    token = new_token()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + _VALID_FOR[purpose],
            created_by_id=by.id if by is not None else None,
        )
    )
    db.session.flush()
    return token


def _revoke_links(user: User, purpose: TokenPurpose, now: datetime) -> None:
    db.session.execute(
        db.update(AccountToken)
        .filter_by(user_id=user.id, purpose=purpose, used_at=None, revoked_at=None)
        .values(revoked_at=now)
    )


def valid_link(
    token: str, purpose: TokenPurpose, now: datetime | None = None
) -> AccountToken | None:
    """The unused, unrevoked, unexpired link `token` opens, or None (forged, used,
    revoked and expired links are told apart by no one)."""
    if not isinstance(token, str) or not plausible(token):
        return None
    row = db.session.execute(
        db.select(AccountToken).filter_by(token_hash=digest(token), purpose=purpose)
    ).scalar_one_or_none()
    now = now or utcnow()
    if row is None or row.used_at or row.revoked_at or row.expires_at <= now:
        return None
    if not row.user.active:
        return None
    return row


def pending_invitation(user: User) -> AccountToken | None:
    """The newest invitation link not used nor revoked (maybe expired)."""
    return db.session.execute(
        db.select(AccountToken)
        .filter_by(user_id=user.id, purpose=TokenPurpose.INVITATION, used_at=None, revoked_at=None)
        .order_by(AccountToken.created_at.desc(), AccountToken.id.desc())
        .limit(1)
    ).scalar_one_or_none()


# --- Invitations ---------------------------------------------------------------------


def invite(
    email: str,
    *,
    is_admin: bool = False,
    roles: dict[Meeting, Role] | None = None,
    language: str,
    by: User | None = None,
    now: datetime | None = None,
) -> tuple[User, str]:
    """A new account without a password, and the invitation mail (in `language`)
    holding a link valid 72 hours to choose one. Returns the account and the link.
    Raises AccountExists for an address that has an account already."""
    existing = find_user(email)
    if existing is not None:
        raise AccountExists(existing)
    if not is_admin and not roles:
        raise AccountError("Choose administrator, or a role in at least one meeting.")
    user = create_user(email, None, is_admin=is_admin, roles=roles)
    user.language = language
    link = _send_invitation(user, by, now or utcnow())
    details = (
        "administrator"
        if is_admin
        else ", ".join(f"{meeting.slug}: {role.value}" for meeting, role in (roles or {}).items())
    )
    audit.record("staff.invited", user=by, details=f"{_subject(user)}; {details}")
    return user, link


def _send_invitation(user: User, by: User | None, now: datetime) -> str:
    token = _new_link(user, TokenPurpose.INVITATION, by, now)
    link = absolute_url("accounts.invitation", token=token)
    mail.queue(
        user.email,
        "invitation",
        user.language or "en",
        kind="invitation",
        link=link,
        user=user,
        inviter=by,
        hours=int(INVITATION_VALID_FOR.total_seconds() // 3600),
    )
    return link


def resend_invitation(user: User, *, by: User | None = None, now: datetime | None = None) -> str:
    """A new invitation link (the earlier one stops working), mailed again."""
    if user.has_password:
        raise AccountError(f"{user.email} has accepted the invitation already.")
    link = _send_invitation(user, by, now or utcnow())
    audit.record("staff.invitation_resent", user=by, details=_subject(user))
    return link


def revoke_invitation(user: User, *, by: User | None = None) -> None:
    """Withdraws an invitation not taken up: the account, which never had a
    password, goes with it (the address may be invited again)."""
    if user.has_password:
        raise AccountError(f"{user.email} has accepted the invitation already.")
    audit.record("staff.invitation_revoked", user=by, details=_subject(user))
    db.session.delete(user)
    db.session.flush()


def accept_invitation(token: str, password: str, now: datetime | None = None) -> User | None:
    """The invited person's chosen password; None when the link does not open
    anything. Raises AccountError for a password refused (the link stays valid)."""
    return _use_link(token, TokenPurpose.INVITATION, password, now)


def _use_link(
    token: str, purpose: TokenPurpose, password: str, now: datetime | None
) -> User | None:
    now = now or utcnow()
    row = valid_link(token, purpose, now)
    if row is None:
        return None
    user = row.user
    set_password(user, password)  # every session of the account ends
    row.used_at = now
    _revoke_links(user, purpose, now)
    db.session.flush()
    return user


# --- Password resets -----------------------------------------------------------------


def request_password_reset(
    email: str, *, language: str, now: datetime | None = None, force: bool = False
) -> str | None:
    """Mails a reset link valid one hour to the account at `email`, in its language
    (else `language`). Nothing for an unknown, disabled or never-activated address,
    and nothing when a link was mailed to it less than five minutes ago (unless
    `force`, an administrator's request): the caller answers the same either way.
    Returns the link, for the command line."""
    now = now or utcnow()
    user = find_user(email)
    if user is None or not user.active or not user.has_password:
        return None
    if not force:
        latest = db.session.execute(
            db.select(AccountToken.created_at)
            .filter_by(user_id=user.id, purpose=TokenPurpose.PASSWORD_RESET)
            .order_by(AccountToken.created_at.desc())
            .limit(1)
        ).scalar()
        if latest is not None and now - latest < RESET_MAIL_EVERY:
            return None
    token = _new_link(user, TokenPurpose.PASSWORD_RESET, None, now)
    link = absolute_url("accounts.reset_password", token=token)
    mail.queue(
        user.email,
        "password_reset",
        user.language or language,
        kind="password_reset",
        link=link,
        minutes=int(RESET_VALID_FOR.total_seconds() // 60),
    )
    return link


def reset_password(token: str, password: str, now: datetime | None = None) -> User | None:
    """Sets the password a reset link allows; every session of the account ends.
    None when the link opens nothing; AccountError for a password refused."""
    user = _use_link(token, TokenPurpose.PASSWORD_RESET, password, now)
    if user is not None:
        audit.record("staff.password_reset", user=user, details=_subject(user))
    return user


# --- Roles ---------------------------------------------------------------------------


def grant_role(
    user: User, meeting: Meeting, role: Role, *, by: User | None = None, keep: str | None = None
) -> None:
    """`user` becomes `role` of `meeting` (replacing the role held there)."""
    role = Role(role)
    held = next((r for r in user.meeting_roles if r.meeting_id == meeting.id), None)
    if held is not None and held.role is role:
        return
    if held is None:
        user.meeting_roles.append(MeetingRole(meeting_id=meeting.id, role=role))
    else:
        held.role = role
        held.granted_at = utcnow()
    audit.record(
        "staff.role_granted", user=by, meeting=meeting, details=f"{_subject(user)}: {role.value}"
    )
    _after_change(user, by, keep)


def revoke_role(
    user: User,
    meeting: Meeting,
    role: Role | None = None,
    *,
    by: User | None = None,
    keep: str | None = None,
) -> None:
    """`user` holds no role in `meeting` any more. With `role`, only if that is the
    one held (AccountError otherwise)."""
    held = next((r for r in user.meeting_roles if r.meeting_id == meeting.id), None)
    if held is None or (role is not None and held.role is not Role(role)):
        raise AccountError(
            f"{user.email} is not {Role(role).value if role else 'staff'} of {meeting.slug}."
        )
    user.meeting_roles.remove(held)
    audit.record(
        "staff.role_revoked",
        user=by,
        meeting=meeting,
        details=f"{_subject(user)}: {held.role.value}",
    )
    _after_change(user, by, keep)


def set_admin(user: User, is_admin: bool, *, by: User | None = None, keep: str | None = None):
    """Gives or takes administrators' rights (never from the last active one)."""
    if user.is_admin == is_admin:
        return
    if not is_admin:
        _refuse_last_admin(user)
    user.is_admin = is_admin
    action = "staff.role_granted" if is_admin else "staff.role_revoked"
    audit.record(action, user=by, details=f"{_subject(user)}: administrator")
    _after_change(user, by, keep)


def disable(user: User, *, by: User | None = None) -> None:
    """The account can no longer sign in; every browser signed in to it is signed out."""
    if by is not None and by.id == user.id:
        raise AccountError("You cannot disable your own account.")
    if not user.active:
        return
    _refuse_last_admin(user)
    user.active = False
    end_sessions(user)
    audit.record("staff.disabled", user=by, details=_subject(user))
    db.session.flush()


def enable(user: User, *, by: User | None = None) -> None:
    if user.active:
        return
    user.active = True
    audit.record("staff.enabled", user=by, details=_subject(user))
    db.session.flush()


def _refuse_last_admin(user: User) -> None:
    if not (user.is_admin and user.active):
        return
    others = db.session.execute(
        db.select(db.func.count(User.id)).filter(
            User.is_admin.is_(True), User.active.is_(True), User.id != user.id
        )
    ).scalar()
    if not others:
        raise LastAdministrator(f"{user.email} is the last active administrator.")


def _after_change(user: User, by: User | None, keep: str | None) -> None:
    db.session.flush()
    end_sessions(user, keep=keep if by is not None and by.id == user.id else None)


# --- Lists ---------------------------------------------------------------------------


def all_accounts() -> list[User]:
    return list(db.session.execute(db.select(User).order_by(User.email)).scalars())


def all_meetings() -> list[Meeting]:
    return list(
        db.session.execute(
            db.select(Meeting).order_by(Meeting.start_date.desc(), Meeting.slug)
        ).scalars()
    )


def find_meeting(slug: str) -> Meeting | None:
    return db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()


def require_user(email: str) -> User:
    user = find_user(email)
    if user is None:
        raise AccountError(f"No account for {email!r}.")
    return user
