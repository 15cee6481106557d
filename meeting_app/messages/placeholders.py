"""The placeholders a message may use, and each recipient's values.

The text an organiser types never reaches Jinja or `str.format`: placeholders are
replaced by a regular expression in one pass (communiques/markup.py's), so a
name such as "{{ config }}" or "{% raw %}" in someone's data stays as typed, and
a value that looks like a placeholder is not replaced again.

A value some recipients lack (a letter link for someone who asked for no visa
letter, a certificate before the meeting is over, a delegation for someone in
none) is left empty for them; the preview names them before anything is sent.
"""

from collections.abc import Mapping

from flask import url_for

from meeting_app.communiques.markup import PLACEHOLDER
from meeting_app.core.i18n import _date_range, localized
from meeting_app.documents.letters import entitled_to_letter, meeting_over

PLACEHOLDERS = (
    "first_name",
    "full_name",
    "badge_name",
    "delegation",
    "meeting",
    "dates",
    "venue",
    "private_link",
    "programme_link",
    "letter_link",
    "certificate_link",
)
# Those whose value some people may lack.
OPTIONAL = ("delegation", "letter_link", "certificate_link")


def unknown(*texts: str) -> list[str]:
    found: list[str] = []
    for text in texts:
        for name in PLACEHOLDER.findall(text or ""):
            if name not in PLACEHOLDERS and name not in found:
                found.append(name)
    return found


def used(*texts: str) -> set[str]:
    return {name for text in texts for name in PLACEHOLDER.findall(text or "")}


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each known placeholder replaced by its value, in one pass."""

    def replace(match):
        name = match.group(1)
        return values.get(name, match.group(0)) if name in PLACEHOLDERS else match.group(0)

    return PLACEHOLDER.sub(replace, text or "")


def values(participant, language: str, base_url: str, attended: set[int]) -> dict[str, str]:
    """`participant`'s values in `language`; links start with `base_url` (the site's
    address); `attended`: the ids of those checked in (certificates)."""
    meeting = participant.meeting
    token = participant.token
    over = meeting_over(meeting)
    delegation = participant.delegation
    return {
        "first_name": participant.given_name,
        "full_name": participant.full_name,
        "badge_name": participant.badge_name,
        "delegation": delegation.country.name(language) if delegation else "",
        "meeting": localized(meeting.title, meeting.default_language, language).text,
        "dates": _date_range(meeting.start_date, meeting.end_date, language),
        "venue": ", ".join(part for part in (meeting.venue, meeting.city) if part),
        "private_link": base_url + url_for("registration.private_page", token=token),
        "programme_link": base_url + url_for("agenda.programme", token=token),
        "letter_link": base_url + url_for("documents.own_document", token=token, kind="letter")
        if entitled_to_letter(participant)
        else "",
        "certificate_link": base_url
        + url_for("documents.own_document", token=token, kind="certificate")
        if over and participant.id in attended
        else "",
    }
