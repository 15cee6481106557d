"""The audit log of staff actions on personal data (see models.AuditEntry).

Services call `record(...)` in the same transaction as the change they log, so
that an action and its entry are stored together or not at all."""

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from meeting_app.extensions import db
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration.models import Participant

# Action codes, stored as is; the labels are for the organisers' page.
ACTIONS = {
    "participant.edited": _l("Registration edited"),
    "participant.status": _l("Status changed"),
    "participant.new_link": _l("Private link regenerated"),
    "participant.erased": _l("Participant erased"),
    "participants.exported": _l("Participant list exported"),
    "participants.exported_sensitive": _l(
        "Participant list exported with the answers to sensitive questions"
    ),
    "arrivals.exported": _l("Arrivals exported"),
    "documents.downloaded": _l("Letters or certificates downloaded"),
    "check_in.undone": _l("Check-in undone"),
    "photo.taken": _l("Photo taken or replaced at the desk"),
    "meeting.purged": _l("Sensitive data purged"),
    "staff.invited": _l("Staff member invited"),
    "staff.invitation_resent": _l("Staff invitation sent again"),
    "staff.invitation_revoked": _l("Staff invitation withdrawn"),
    "staff.role_granted": _l("Staff role given"),
    "staff.role_revoked": _l("Staff role taken away"),
    "staff.disabled": _l("Staff account disabled"),
    "staff.enabled": _l("Staff account enabled"),
    "staff.password_reset": _l("Staff password reset"),
    "staff.two_factor": _l("Two-factor sign-in turned on or off"),
    "meeting.created": _l("Meeting created"),
    "meeting.cloned": _l("Meeting started from an earlier one"),
    "meeting.settings": _l("Meeting settings changed"),
    "meeting.published": _l("Meeting published"),
    "meeting.archived": _l("Meeting archived"),
    "meeting.deleted": _l("Draft meeting deleted"),
    "message.sent": _l("Message to participants sent"),
    "mail_text.saved": _l("Wording of an automatic mail changed"),
    "mail_text.reset": _l("Wording of an automatic mail reset to the default"),
    "reminders.sent": _l("Automatic reminders sent"),
    "sponsorship.switched": _l("Travel support section turned on or off"),
    "sponsorship.decided": _l("Decision on travel support"),
    "sponsorship.updated": _l("Ticket or allowance of a funded participant changed"),
    "sponsorship.exported": _l("Travel support report exported"),
    "travel.switched": _l("Travel and hotels section turned on or off"),
    "travel.edited": _l("A participant's travel or hotel room changed"),
    "travel.exported": _l("Travel lists exported"),
    "hotels.changed": _l("Hotel or room block changed"),
    "rooms.recounted": _l("Hotel rooms taken recounted"),
    "form.question_saved": _l("Registration form question added or changed"),
    "form.question_archived": _l("Registration form question archived (its answers kept)"),
    "form.question_deleted": _l("Registration form question deleted"),
    "form.question_restored": _l("Archived registration form question restored"),
    "form.reordered": _l("Registration form questions reordered"),
    "form.fields_hidden": _l("Built-in registration fields shown or hidden"),
    "focal_point.added": _l("Focal point of a delegation added"),
    "focal_point.edited": _l("Focal point of a delegation changed"),
    "focal_point.link_sent": _l("Focal point's link sent"),
    "focal_point.new_link": _l("Focal point's link regenerated"),
    "focal_point.revoked": _l("Focal point's link revoked"),
    "focal_points.reminded": _l("Focal points reminded of a missing credentials letter"),
    "delegation.quotas": _l("Quotas of a delegation changed"),
    "credentials.uploaded": _l("Credentials letter of a delegation received"),
    "credentials.downloaded": _l("Credentials letter of a delegation downloaded"),
    "outcomes.published": _l("Minutes or decisions published"),
    "attendance.signed_off": _l("Attendance register signed off"),
    "attendance.exported": _l("Attendance register downloaded"),
    "survey.settings": _l("Feedback survey's settings changed"),
    "survey.question_saved": _l("Feedback survey question added or changed"),
    "survey.question_deleted": _l("Feedback survey question deleted"),
    "survey.opened": _l("Feedback survey opened"),
    "survey.closed": _l("Feedback survey closed"),
    "survey.invited": _l("Feedback survey invitations written"),
    "survey.exported": _l("Feedback survey answers exported"),
    "material.uploaded": _l("Meeting document's file uploaded"),
    "material.deleted": _l("Meeting document deleted"),
}

COMMAND_LINE = "command line"


def record(action: str, *, user=None, meeting=None, participant=None, details: str = ""):
    """Adds one entry (flushed with the caller's transaction). `details` must not
    carry personal values: field names, formats and counts only."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if meeting is None and participant is not None:
        meeting = participant.meeting
    entry = AuditEntry(
        user_id=user.id if user is not None else None,
        actor=user.email if user is not None else COMMAND_LINE,
        action=action,
        meeting_id=meeting.id if meeting is not None else None,
        participant_id=participant.id if participant is not None else None,
        details=details[:500],
    )
    db.session.add(entry)
    return entry


def label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def entries_query(meeting=None):
    query = (
        db.select(AuditEntry)
        .options(
            joinedload(AuditEntry.meeting),
            joinedload(AuditEntry.participant).joinedload(Participant.meeting),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    if meeting is not None:
        query = query.filter(AuditEntry.meeting_id == meeting.id)
    return query
