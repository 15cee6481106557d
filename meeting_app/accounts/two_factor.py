"""Two-factor sign-in: a code from an authenticator app (TOTP, RFC 6238), or one of
ten recovery codes, after the password.

A code is accepted once: the time step it belongs to is stored
(`User.totp_last_step`), and a code of that step or an earlier one is refused, so
a code seen over someone's shoulder cannot be replayed within its 30 seconds.
Recovery codes are stored hashed, like passwords, and each opens the account once.
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from meeting_app.accounts.models import RecoveryCode, User
from meeting_app.accounts.services import REQUIRE_TWO_FACTOR, end_sessions, hash_password, setting
from meeting_app.extensions import db
from meeting_app.models import utcnow
from meeting_app.privacy import audit

ISSUER = "Meeting manager"
RECOVERY_CODES = 10
# One step either side: a phone's clock a little off still works.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    """The provisioning QR code as a data: PNG (the CSP allows data: images)."""
    return segno.make(uri, error="m").png_data_uri(scale=5, border=4)


def grouped(secret: str) -> str:
    """'JBSW Y3DP EHPK 3PXP': easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _matching_step(
    secret: str, code: str, after: int | None, at: float | None = None
) -> int | None:
    """The time step `code` belongs to (now, or one step either side), if later
    than `after`."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(_datetime(at))
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (after is None or step > after):
            return step
    return None


def _datetime(at: float | None) -> datetime:
    return datetime.fromtimestamp(time.time() if at is None else at, UTC)


def enable(user: User, secret: str, code: str, *, keep: str | None = None) -> list[str] | None:
    """Turns two-factor sign-in on once `code` proves the app holds `secret`.
    Returns the ten recovery codes (shown once, stored hashed), or None for a
    wrong code. Other browsers signed in to the account are signed out."""
    step = _matching_step(secret, code, None)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = new_recovery_codes(user)
    end_sessions(user, keep=keep)
    audit.record("staff.two_factor", user=user, details="on")
    db.session.flush()
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Ten fresh codes like 'a3f9c-07b2e' (the earlier ones stop working)."""
    db.session.execute(db.delete(RecoveryCode).filter_by(user_id=user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    db.session.flush()
    return codes


class TwoFactorRequired(ValueError):
    """Administrators require two-factor sign-in of this account."""


def required_of(user: User) -> bool:
    """Whether administrators require two-factor sign-in of this account."""
    return user.sees_passports and setting(REQUIRE_TWO_FACTOR) == "yes"


def disable(user: User) -> None:
    """Turns two-factor sign-in off (refused where administrators require it)."""
    if required_of(user):
        raise TwoFactorRequired
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(db.delete(RecoveryCode).filter_by(user_id=user.id))
    audit.record("staff.two_factor", user=user, details="off")
    db.session.flush()


def verify(user: User, code: str, at: float | None = None) -> bool:
    """Whether `code` (from the app, or a recovery code) signs `user` in now; a
    code accepted is spent."""
    if not user.two_factor_enabled or not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, user.totp_last_step, at)
    if step is not None:
        # One conditional UPDATE: of two requests racing with the same code, one wins.
        taken = db.session.execute(
            db.update(User)
            .filter(User.id == user.id)
            .filter(sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.refresh(user, ["totp_last_step"])
        return taken == 1
    return _use_recovery_code(user, code)


def _use_recovery_code(user: User, code: str) -> bool:
    raw = "".join(c for c in code.lower() if c.isalnum())
    if len(raw) != 10:
        return False
    unused = db.session.execute(
        db.select(RecoveryCode).filter_by(user_id=user.id, used_at=None)
    ).scalars()
    for row in unused:
        if check_password_hash(row.code_hash, raw):
            spent = db.session.execute(
                db.update(RecoveryCode)
                .filter_by(id=row.id, used_at=None)
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ).rowcount
            return spent == 1
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        db.select(db.func.count(RecoveryCode.id)).filter_by(user_id=user.id, used_at=None)
    ).scalar()
