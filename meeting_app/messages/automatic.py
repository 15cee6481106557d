"""The organisers' editor of the automatic mails (mail/texts.py): the list by
group with each language's state, saving and resetting a wording (audited), and
the preview's person and values."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from sqlalchemy.orm.attributes import set_committed_value

from meeting_app.agenda.notify import session_lines
from meeting_app.agenda.published import published_agenda
from meeting_app.core.i18n import format_local_datetime
from meeting_app.core.security import public_base_url
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.mail.models import MailText
from meeting_app.meetings.models import Meeting
from meeting_app.privacy import audit
from meeting_app.registration import services as registration
from meeting_app.registration.models import Category, Participant, RegistrationStatus

# Sessions shown in the preview of the agenda change.
PREVIEW_SESSIONS = 2
S = RegistrationStatus
# The status a mail announces, for its preview's `{{ status }}`.
STATUS_OF = {
    "confirmation_submitted": S.SUBMITTED,
    "confirmation_approved": S.APPROVED,
    "confirmation_waitlisted": S.WAITLISTED,
    "status_approved": S.APPROVED,
    "status_promoted": S.SUBMITTED,
    "status_submitted": S.SUBMITTED,
    "status_waitlisted": S.WAITLISTED,
    "status_held": S.WAITLISTED,
    "status_declined": S.DECLINED,
    "status_cancelled": S.CANCELLED,
}


@dataclass(frozen=True)
class Row:
    automatic: texts.Automatic
    own: dict[str, bool]  # language: whether the meeting has its own wording


def groups(meeting: Meeting) -> list[tuple[str, list[Row]]]:
    """The automatic mails in their groups (in the registry's order), each with
    which of the meeting's languages have the meeting's own wording."""
    own = {
        (key, language)
        for key, language in db.session.execute(
            sa.select(MailText.key, MailText.language).where(MailText.meeting_id == meeting.id)
        )
    }
    grouped: dict[str, list[Row]] = {}
    for automatic in texts.AUTOMATIC.values():
        row = Row(automatic, {code: (automatic.key, code) in own for code in meeting.languages})
        grouped.setdefault(str(automatic.group), []).append(row)
    return list(grouped.items())


def save(meeting: Meeting, key: str, language: str, subject: str, body: str, user) -> None:
    """Stores the meeting's own wording (checked by the caller with texts.check)."""
    texts.save(meeting, key, language, subject, body, user)
    audit.record("mail_text.saved", user=user, meeting=meeting, details=f"{key}, {language}")


def reset(meeting: Meeting, key: str, language: str, user) -> bool:
    """Back to the shipped wording; False (and nothing recorded) if it was already."""
    if not texts.reset(meeting, key, language):
        return False
    audit.record("mail_text.reset", user=user, meeting=meeting, details=f"{key}, {language}")
    return True


def preview_person(meeting: Meeting, language: str) -> Participant:
    """Someone registered for the meeting, preferably writing in `language`; with
    nobody registered yet, a made-up person who is never stored."""
    person = db.session.execute(
        sa.select(Participant)
        .where(Participant.meeting_id == meeting.id, Participant.erased_at.is_(None))
        .order_by(Participant.preferred_language != language, Participant.id)
        .limit(1)
    ).scalar_one_or_none()
    return person or _sample_person(meeting, language)


def _sample_person(meeting: Meeting, language: str) -> Participant:
    with force_locale(language):
        given, family = gettext("Given name"), gettext("Family name")
    person = Participant(
        given_name=given,
        family_name=family,
        badge_name=f"{given} {family}",
        email="name@example.org",
        phone="",
        organisation="",
        position="",
        category=Category.NATIONAL_GOVERNMENT,
        preferred_language=language,
        dietary_needs="",
        accessibility_needs="",
        needs_visa_letter=False,
        consent_public_list=False,
        status=RegistrationStatus.APPROVED,
        decision_reason="",
    )
    # Set without the relationship's events: the meeting's list of participants
    # must not take it in, nor the session store it.
    set_committed_value(person, "meeting", meeting)
    set_committed_value(person, "delegation", None)
    return person


def preview_values(meeting: Meeting, key: str, language: str, person: Participant) -> dict:
    """The values of `key` for `person` in `language`; those that depend on the
    moment (the organisers' note, the sessions that changed, the closing date)
    are given an example where the person has none."""
    values = registration.mail_values(person, language)
    extras = texts.AUTOMATIC[key].extras
    if texts.AUTOMATIC[key].base is texts.FOCAL_POINT_PLACEHOLDERS:
        # A focal point's mail: made-up links (a real one would be a working secret).
        example = public_base_url() + "/d/…"
        values.update(
            focal_point_link=example,
            invitation_link=public_base_url() + f"/meetings/{meeting.slug}/register?invitation=…",
            nominee=person.full_name,
        )
        with force_locale(language):
            values["focal_point"] = gettext("(the focal point's name)")
            values["status"] = str(RegistrationStatus.APPROVED.label).lower()
    with force_locale(language):
        if key in STATUS_OF:
            values["status"] = str(STATUS_OF[key].label).lower()
        if "note" in extras and not values["note"]:
            values["note"] = (
                gettext("Note from the organisers:")
                + "\n"
                + gettext("(the reason you give with your decision, if you give one)")
            )
        if "situation" in extras:
            values["situation"] = registration.situation_text(person, values["meeting"], language)
        if "sessions" in extras:
            sessions = published_agenda(meeting).sessions[:PREVIEW_SESSIONS]
            values["sessions"] = (
                session_lines(meeting, sessions, language)
                if sessions
                else "- " + gettext("(each session that changed, with its new time and room)")
            )
        if "survey_link" in extras:
            values["survey_link"] = public_base_url() + f"/r/{person.token or '…'}/survey"
        if "closes" in extras:
            closes = meeting.registration_closes_at
            values["closes"] = (
                format_local_datetime(closes, meeting.timezone, language) if closes else "—"
            )
    return values
