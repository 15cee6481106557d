"""The automatic mails of accreditation (mail/texts.py, "Delegations' focal
points"): a focal point's link, an invitation to be nominated, the organisers'
decision on a nomination, and the reminder of a missing credentials letter.

Below the registration services (which tell focal points of decisions): this
module imports only models, the mail texts and the core."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from meeting_app.core.i18n import _date_range, localized
from meeting_app.core.security import absolute_url
from meeting_app.delegations.models import (
    Credential,
    Delegation,
    FocalPoint,
    NominationInvitation,
)
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.models import utcnow
from meeting_app.registration.models import Participant, RegistrationStatus


def _meeting_values(delegation: Delegation, language: str) -> dict[str, str]:
    meeting = delegation.meeting
    return {
        "delegation": delegation.country.name(language),
        "meeting": " ".join(
            localized(meeting.title, meeting.default_language, language).text.split()
        ),
        "dates": _date_range(meeting.start_date, meeting.end_date, language),
        "venue": ", ".join(part for part in (meeting.venue, meeting.city) if part),
        "city": meeting.city,
    }


def language_of(focal_point: FocalPoint) -> str:
    meeting = focal_point.delegation.meeting
    return focal_point.language(meeting.languages, meeting.default_language)


def focal_point_link(focal_point: FocalPoint) -> str:
    return absolute_url("focal_point.page", token=focal_point.token)


def values(focal_point: FocalPoint, language: str | None = None) -> dict[str, str]:
    """The placeholders of a mail to `focal_point` (texts.FOCAL_POINT_PLACEHOLDERS)."""
    language = language or language_of(focal_point)
    return {
        "full_name": focal_point.name,
        **_meeting_values(focal_point.delegation, language),
        "focal_point_link": focal_point_link(focal_point),
    }


def _queue(focal_point_or_none, recipient: str, key: str, language: str, mail_values, kind: str):
    meeting = focal_point_or_none.delegation.meeting
    return texts.queue(recipient, key, language, mail_values, kind=kind, meeting=meeting)


def send_link(focal_point: FocalPoint, now: datetime | None = None) -> None:
    """Writes the focal point their link (queued: sent after the commit)."""
    _queue(
        focal_point,
        focal_point.email,
        "focal_point_link",
        language_of(focal_point),
        values(focal_point),
        "focal_point:link",
    )
    focal_point.link_sent_at = now or utcnow()


def send_invitation(invitation: NominationInvitation, language: str) -> None:
    """Writes the invited person the link that registers them in the delegation,
    in `language` (the focal point's choice among the meeting's)."""
    delegation = invitation.delegation
    focal_point = invitation.focal_point
    mail_values = {
        "full_name": invitation.name,
        **_meeting_values(delegation, language),
        "focal_point_link": "",  # theirs is not the invitee's to have
        "focal_point": focal_point.name if focal_point else "",
        "invitation_link": absolute_url(
            "registration.register", slug=delegation.meeting.slug, invitation=invitation.token
        ),
    }
    texts.queue(
        invitation.email,
        "nomination_invitation",
        language,
        mail_values,
        kind="focal_point:invitation",
        meeting=delegation.meeting,
    )


def tell_decision(participant: Participant) -> None:
    """Tells the focal point who nominated `participant` of the organisers' decision
    on them (its status now, with the organisers' note), if that focal point's link
    still works."""
    focal_point = (
        db.session.get(FocalPoint, participant.nominated_by_id)
        if participant.nominated_by_id
        else None
    )
    if focal_point is None or focal_point.revoked_at is not None:
        return
    language = language_of(focal_point)
    with force_locale(language):
        status = str(participant.status.label).lower()
        note = (
            gettext("Note from the organisers:") + "\n" + participant.decision_reason
            if participant.decision_reason
            else ""
        )
    _queue(
        focal_point,
        focal_point.email,
        "focal_point_decision",
        language,
        {
            **values(focal_point, language),
            "nominee": participant.full_name,
            "status": status,
            "note": note,
        },
        f"focal_point:{participant.status.value}",
    )


def missing_credentials(meeting_id: int) -> list[Delegation]:
    """The meeting's delegations with no credentials letter in force."""
    return list(
        db.session.execute(
            sa.select(Delegation)
            .where(Delegation.meeting_id == meeting_id)
            .where(~Delegation.credentials.any(Credential.superseded_at.is_(None)))
        ).scalars()
    )


def remind_credentials(meeting_id: int) -> int:
    """Reminds the focal points (not revoked) of delegations whose credentials
    letter is missing; returns how many mails are queued."""
    sent = 0
    for delegation in missing_credentials(meeting_id):
        for focal_point in delegation.focal_points:
            if focal_point.revoked_at is None:
                _queue(
                    focal_point,
                    focal_point.email,
                    "credentials_reminder",
                    language_of(focal_point),
                    values(focal_point),
                    "focal_point:credentials",
                )
                sent += 1
    return sent


# The statuses a focal point hears of: a decision of the organisers.
DECISIONS = frozenset(
    {
        RegistrationStatus.APPROVED,
        RegistrationStatus.DECLINED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.CANCELLED,
    }
)
