"""Visa invitation letters and certificates of attendance: who is entitled to
which, and the PDFs (one page per person, on the meeting's letterhead)."""

from datetime import datetime

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import joinedload

from meeting_app.core.collation import collated
from meeting_app.core.i18n import localized
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.desk.services import days_attended
from meeting_app.documents import logo
from meeting_app.documents.pdf import bidi, join, render_each
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant, RegistrationStatus, entitled_to_letter

CHUNK = 40  # letters per document, and per task in a job

LETTER, CERTIFICATE = "letter", "certificate"


def letter_reference(participant: Participant) -> str:
    """Stable: the same letter printed twice carries the same number."""
    return f"{participant.meeting.slug.upper()}/VL/{participant.id:05d}"


def certificate_reference(participant: Participant) -> str:
    return f"{participant.meeting.slug.upper()}/CA/{participant.id:05d}"


def meeting_over(meeting: Meeting, now: datetime | None = None) -> bool:
    """Certificates are issued once the meeting's last day has ended where it is held."""
    return meeting.is_over(now)


def entitled_to_certificate(participant: Participant) -> bool:
    return (
        participant.erased_at is None
        and meeting_over(participant.meeting)
        and bool(days_attended([participant.id]))
    )


def documents_for(participant: Participant) -> list[str]:
    """The documents this participant may download now."""
    return [
        kind
        for kind, entitled in ((LETTER, entitled_to_letter), (CERTIFICATE, entitled_to_certificate))
        if entitled(participant)
    ]


def _people(meeting: Meeting):
    return (
        sa.select(Participant)
        .where(
            Participant.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
            Participant.erased_at.is_(None),
        )
        .options(
            joinedload(Participant.delegation).joinedload(Delegation.country),
            joinedload(Participant.nationality),
        )
        .order_by(
            collated(Participant.family_name), collated(Participant.given_name), Participant.id
        )
    )


def letter_recipients(meeting: Meeting) -> list[Participant]:
    query = _people(meeting).where(Participant.needs_visa_letter.is_(True))
    return list(db.session.execute(query).unique().scalars())


def certificate_recipients(meeting: Meeting) -> list[Participant]:
    """Approved participants checked in at least once (none before the meeting ends)."""
    if not meeting_over(meeting):
        return []
    query = _people(meeting).where(
        sa.exists().where(CheckIn.participant_id == Participant.id, CheckIn.cancelled_at.is_(None))
    )
    return list(db.session.execute(query).unique().scalars())


def documents_html(
    meeting: Meeting, kind: str, participants: list[Participant], language: str
) -> str:
    with force_locale(language):
        days = days_attended([p.id for p in participants]) if kind == CERTIFICATE else {}
        return render_template(
            "pdf/letters.html",
            kind=kind,
            meeting=meeting,
            people=[
                (
                    p,
                    letter_reference(p) if kind == LETTER else certificate_reference(p),
                    days.get(p.id, []),
                )
                for p in participants
            ],
            title=localized(meeting.title, meeting.default_language, language).text,
            host=localized(meeting.host, meeting.default_language, language).text,
            programme=(
                localized(meeting.series.programme, meeting.default_language, language).text
                if meeting.series
                else ""
            ),
            signatory_name=meeting.signatory_name,
            signatory_title=localized(
                meeting.signatory_title, meeting.default_language, language
            ).text,
            today=meeting.local_date(),
            logo=logo.data_uri(meeting),
            **bidi(language),
        )


def documents_pdf(
    meeting: Meeting, kind: str, participants: list[Participant], language: str
) -> bytes:
    """One page per person, rendered in chunks (a job renders each chunk in a task
    of its own: see tasks.py)."""
    chunks = [participants[i : i + CHUNK] for i in range(0, len(participants), CHUNK)] or [[]]
    return join(render_each([documents_html(meeting, kind, chunk, language) for chunk in chunks]))
