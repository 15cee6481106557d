"""The placeholders that mails to a participant may use, and their values for
one person (organisers' messages, automatic mails and reminders share them).

A value some people lack (a letter link for someone who asked for no visa
letter, a certificate before the meeting is over, a delegation for someone in
none) is empty for them; the composer's preview names them before anything goes.
"""

from collections.abc import Collection

from flask import url_for

from meeting_app.core.i18n import _date_range, localized
from meeting_app.registration.models import Participant, entitled_to_letter

PLACEHOLDERS = (
    "first_name",
    "full_name",
    "badge_name",
    "delegation",
    "meeting",
    "dates",
    "venue",
    "city",
    "private_link",
    "programme_link",
    "letter_link",
    "certificate_link",
)
# Those whose value some people may lack.
OPTIONAL = ("delegation", "letter_link", "certificate_link")


def values(
    participant: Participant, language: str, base_url: str, attended: Collection[int] = ()
) -> dict[str, str]:
    """`participant`'s values in `language`; links start with `base_url` (the site's
    address, no trailing slash); `attended`: ids of people checked in at least once
    (whose certificate link is given once the meeting is over)."""
    meeting = participant.meeting
    token = participant.token
    delegation = participant.delegation
    certificate = meeting.is_over() and participant.id in attended
    return {
        "first_name": participant.given_name,
        "full_name": participant.full_name,
        "badge_name": participant.badge_name,
        "delegation": delegation.country.name(language) if delegation else "",
        "meeting": " ".join(
            localized(meeting.title, meeting.default_language, language).text.split()
        ),
        "dates": _date_range(meeting.start_date, meeting.end_date, language),
        "venue": ", ".join(part for part in (meeting.venue, meeting.city) if part),
        "city": meeting.city,
        "private_link": base_url + url_for("registration.private_page", token=token),
        "programme_link": base_url + url_for("agenda.programme", token=token),
        "letter_link": base_url + url_for("documents.own_document", token=token, kind="letter")
        if entitled_to_letter(participant)
        else "",
        "certificate_link": base_url
        + url_for("documents.own_document", token=token, kind="certificate")
        if certificate
        else "",
    }
