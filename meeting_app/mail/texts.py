"""The automatic mails to participants (confirmations, decisions, the private
link, agenda changes, reminders): their shipped wording in each language, and
each meeting's own.

Every automatic mail is plain text with placeholders (`{{ full_name }}`), filled
by core/placeholders.py, never by Jinja: an organiser may rewrite any of them in
any of the meeting's languages (a MailText row), and "reset to default" deletes
that row. The shipped defaults are built from the catalog's sentences with the
placeholders as their arguments, so that they read in every language the
interface speaks and are the very text the editor starts from.

Besides the participant's placeholders (registration/placeholders.py), a mail
may have its own (`{{ details }}`: what the person entered; `{{ sessions }}`:
the sessions that changed), computed by the code that sends it.
"""

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l

from meeting_app.core import placeholders
from meeting_app.core.kept import PerMeeting
from meeting_app.extensions import db
from meeting_app.mail import services as mail
from meeting_app.mail.models import MailText, OutgoingMail
from meeting_app.models import utcnow
from meeting_app.registration.placeholders import PLACEHOLDERS

BODY_MAX = 20_000
SUBJECT_MAX = 300


def _p(name: str) -> str:
    return "{{ %s }}" % name  # noqa: UP031 (the braces are the placeholder's)


def _(string: str, **variables) -> str:
    """gettext with placeholders as the sentence's arguments."""
    return gettext(string, **{k: _p(v) for k, v in variables.items()})


@dataclass(frozen=True)
class Automatic:
    key: str
    label: str  # lazy: what the organiser sees in the list
    group: str  # lazy
    subject: Callable[[], str]  # the default, in the current locale
    paragraphs: Callable[[], list[str]]  # the default body's paragraphs, greeting aside
    extras: tuple[str, ...] = ()  # placeholders of this mail only
    # Those every mail to its kind of reader has: a participant's, or a
    # delegation's focal point's (delegations/mails.py).
    base: tuple[str, ...] = PLACEHOLDERS

    @property
    def placeholders(self) -> tuple[str, ...]:
        return (*self.base, *self.extras)


REGISTRATION = _l("Registration")
DECISIONS = _l("Decisions of the organisers")
OTHERS = _l("Link and agenda")
REMINDERS = _l("Reminders")
TRAVEL_SUPPORT = _l("Travel support")
ACCREDITATION = _l("Delegations' focal points")

# What every mail to a delegation's focal point (or to someone a focal point
# invites) may use: `full_name` is the reader's.
FOCAL_POINT_PLACEHOLDERS = (
    "full_name",
    "delegation",
    "meeting",
    "dates",
    "venue",
    "city",
    "focal_point_link",
)


def _link() -> str:
    return "\n".join(
        (
            _("Your private link, to see the status of your registration, change it or cancel it:"),
            _p("private_link"),
            _("Keep it to yourself: anyone who has it can change your registration."),
        )
    )


def _details() -> str:
    return _("What you entered:") + "\n" + _p("details")


# The first paragraph of each is given as a function: the catalog's extractor finds
# its sentence only in a literal call of `_`.
def _thanks(sentence: Callable[[], str]) -> Callable[[], list[str]]:
    return lambda: [sentence(), _link(), _details()]


def _decision(sentence: Callable[[], str]) -> Callable[[], list[str]]:
    return lambda: [
        sentence(),
        _p("note"),
        _("Your private link:") + "\n" + _p("private_link"),
    ]


def _registration_subject() -> str:
    return _("Your registration: %(meeting)s", meeting="meeting")


def _sponsorship_subject() -> str:
    return _("%(meeting)s: the organisers' decision on travel support", meeting="meeting")


def _status_subject() -> str:
    return _("%(meeting)s: your registration is now %(status)s", meeting="meeting", status="status")


_AUTOMATIC = (
    Automatic(
        "confirmation_submitted",
        _l("Registration received, to be approved"),
        REGISTRATION,
        _registration_subject,
        _thanks(
            lambda: _(
                "Thank you for registering for “%(meeting)s” (%(dates)s, %(city)s). The organisers"
                " will review your registration and write to you.",
                meeting="meeting",
                dates="dates",
                city="city",
            )
        ),
        ("details",),
    ),
    Automatic(
        "confirmation_approved",
        _l("Registration received and confirmed"),
        REGISTRATION,
        _registration_subject,
        _thanks(
            lambda: _(
                "Thank you for registering for “%(meeting)s” (%(dates)s, %(city)s). Your place is"
                " confirmed.",
                meeting="meeting",
                dates="dates",
                city="city",
            )
        ),
        ("details",),
    ),
    Automatic(
        "confirmation_waitlisted",
        _l("Registration received, on the waiting list"),
        REGISTRATION,
        _registration_subject,
        _thanks(
            lambda: _(
                "Thank you for registering for “%(meeting)s” (%(dates)s, %(city)s). The meeting or"
                " your delegation is full, so you are on the waiting list: if a place frees up, it"
                " goes to the next person in order and we will write to you.",
                meeting="meeting",
                dates="dates",
                city="city",
            )
        ),
        ("details",),
    ),
    Automatic(
        "confirmation_resumed",
        _l("Cancelled registration taken up again"),
        REGISTRATION,
        _registration_subject,
        lambda: [
            _(
                "You had cancelled your registration for “%(meeting)s”: it is taken up again,"
                " with the same private link, and what you entered now.",
                meeting="meeting",
            ),
            _(
                "Your registration for “%(meeting)s” has the status: %(status)s.",
                meeting="meeting",
                status="status",
            ),
            _link(),
            _details(),
        ],
        ("details", "status"),
    ),
    Automatic(
        "status_approved",
        _l("Approved"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _(
                "Your registration for “%(meeting)s” (%(dates)s, %(city)s) is approved: your place"
                " is confirmed.",
                meeting="meeting",
                dates="dates",
                city="city",
            )
        ),
        ("status", "note"),
    ),
    Automatic(
        "status_promoted",
        _l("A place freed up: from the waiting list to approval"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _(
                "A place has freed up for “%(meeting)s” and you are next on the waiting list: your"
                " registration now goes to the organisers for approval.",
                meeting="meeting",
            )
        ),
        ("status", "note"),
    ),
    Automatic(
        "status_submitted",
        _l("Back to the organisers for approval"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _(
                "Your registration for “%(meeting)s” goes back to the organisers for approval.",
                meeting="meeting",
            )
        ),
        ("status", "note"),
    ),
    Automatic(
        "status_waitlisted",
        _l("On the waiting list (the meeting is full)"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _(
                "Your registration for “%(meeting)s” is on the waiting list. If a place frees up,"
                " it goes to the next person in order and we will write to you.",
                meeting="meeting",
            )
        ),
        ("status", "note"),
    ),
    Automatic(
        "status_held",
        _l("Put on the waiting list by the organisers"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _(
                "The organisers have put your registration for “%(meeting)s” on the waiting list."
                " They will write to you if they can offer you a place.",
                meeting="meeting",
            )
        ),
        ("status", "note"),
    ),
    Automatic(
        "status_declined",
        _l("Declined"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _(
                "We are sorry: the organisers could not accept your registration for"
                " “%(meeting)s”.",
                meeting="meeting",
            )
        ),
        ("status", "note"),
    ),
    Automatic(
        "status_cancelled",
        _l("Cancelled"),
        DECISIONS,
        _status_subject,
        _decision(
            lambda: _("Your registration for “%(meeting)s” is cancelled.", meeting="meeting")
        ),
        ("status", "note"),
    ),
    Automatic(
        "private_link",
        _l("The private link, asked for again"),
        OTHERS,
        lambda: _("Your private link: %(meeting)s", meeting="meeting"),
        lambda: [
            _p("situation"),
            _("Your private link, to see the status of your registration, change it or cancel it:")
            + "\n"
            + _p("private_link"),
            _("If you did not ask for this, you can ignore this e-mail."),
        ],
        ("situation", "status"),
    ),
    Automatic(
        "agenda_changed",
        _l("Sessions of a person's programme changed"),
        OTHERS,
        lambda: _("%(meeting)s: sessions in your programme have changed", meeting="meeting"),
        lambda: [
            _(
                "The organisers have published a new version of the agenda of “%(meeting)s”."
                " These sessions of your programme have changed:",
                meeting="meeting",
            ),
            _p("sessions"),
            _("The attached calendar file updates them in your calendar. Your programme:")
            + "\n"
            + _p("programme_link"),
        ],
        ("sessions",),
    ),
    Automatic(
        "reminder_before",
        _l("Reminder before the meeting (approved participants)"),
        REMINDERS,
        lambda: _("Reminder: %(meeting)s, %(dates)s", meeting="meeting", dates="dates"),
        lambda: [
            _(
                "We look forward to welcoming you to “%(meeting)s” on %(dates)s in %(venue)s.",
                meeting="meeting",
                dates="dates",
                venue="venue",
            ),
            _("Your programme, with the sessions you chose and a calendar to add to yours:")
            + "\n"
            + _p("programme_link"),
            _("Your registration, should anything change:") + "\n" + _p("private_link"),
        ],
    ),
    Automatic(
        "reminder_visa",
        _l("Unfinished visa letter request, before registration closes"),
        REMINDERS,
        lambda: _("%(meeting)s: your visa letter request is not complete", meeting="meeting"),
        lambda: [
            _(
                "You asked for a visa invitation letter for “%(meeting)s”, but your request"
                " still lacks what the letter needs (your nationality or your passport number)."
                " Registration closes on %(closes)s: please complete it from your private link"
                " before then.",
                meeting="meeting",
                closes="closes",
            ),
            _p("private_link"),
        ],
        ("closes",),
    ),
    Automatic(
        "reminder_certificate",
        _l("Certificate of attendance, after the meeting (those checked in)"),
        REMINDERS,
        lambda: _("%(meeting)s: your certificate of attendance", meeting="meeting"),
        lambda: [
            _(
                "Thank you for taking part in “%(meeting)s”. Your certificate of attendance is"
                " ready:",
                meeting="meeting",
            ),
            _p("certificate_link"),
        ],
    ),
    # The feedback survey (surveys/services.py), to those checked in at least once.
    Automatic(
        "survey_invitation",
        _l("Feedback survey invitation, after the meeting (those checked in)"),
        REMINDERS,
        lambda: _("%(meeting)s: tell us what you thought", meeting="meeting"),
        lambda: [
            _(
                "Thank you for taking part in “%(meeting)s”. Please tell us what you thought"
                " of it: a few questions, answered once, through your own link:",
                meeting="meeting",
            ),
            _p("survey_link"),
        ],
        ("survey_link",),
    ),
    # Sponsored participation (travel/sponsorship.py): `note` is the organisers' note
    # on the funding decision.
    Automatic(
        "sponsorship_funded",
        _l("Travel support: funded"),
        TRAVEL_SUPPORT,
        _sponsorship_subject,
        _decision(
            lambda: _(
                "The organisers have decided to fund your participation in “%(meeting)s”"
                " (%(dates)s, %(city)s). They will write to you about your ticket and your"
                " daily subsistence allowance.",
                meeting="meeting",
                dates="dates",
                city="city",
            )
        ),
        ("note",),
    ),
    Automatic(
        "sponsorship_partly_funded",
        _l("Travel support: partly funded"),
        TRAVEL_SUPPORT,
        _sponsorship_subject,
        _decision(
            lambda: _(
                "The organisers have decided to fund part of your participation in"
                " “%(meeting)s” (%(dates)s, %(city)s): their note below says which part.",
                meeting="meeting",
                dates="dates",
                city="city",
            )
        ),
        ("note",),
    ),
    Automatic(
        "sponsorship_not_funded",
        _l("Travel support: not funded"),
        TRAVEL_SUPPORT,
        _sponsorship_subject,
        _decision(
            lambda: _(
                "We are sorry: the organisers cannot fund your participation in “%(meeting)s”."
                " This decision does not change your registration.",
                meeting="meeting",
            )
        ),
        ("note",),
    ),
)
_FOCAL_POINT_MAILS = (
    Automatic(
        "focal_point_link",
        _l("A focal point's link to accredit the delegation"),
        ACCREDITATION,
        lambda: _(
            "%(meeting)s: accrediting the delegation of %(delegation)s",
            meeting="meeting",
            delegation="delegation",
        ),
        lambda: [
            _(
                "You are the focal point of the delegation of %(delegation)s to “%(meeting)s”"
                " (%(dates)s, %(city)s). On your page you nominate the delegation's members,"
                " replace those who cannot come, name the head of delegation and send the"
                " credentials letter:",
                delegation="delegation",
                meeting="meeting",
                dates="dates",
                city="city",
            ),
            _p("focal_point_link"),
            _("Keep this link to yourself: anyone who has it can act for the delegation."),
        ],
        base=FOCAL_POINT_PLACEHOLDERS,
    ),
    Automatic(
        "nomination_invitation",
        _l("An invitation to register as a member of a delegation"),
        ACCREDITATION,
        lambda: _(
            "%(meeting)s: you are invited to register with the delegation of %(delegation)s",
            meeting="meeting",
            delegation="delegation",
        ),
        lambda: [
            _(
                "%(focal_point)s, focal point of the delegation of %(delegation)s, nominates you"
                " for “%(meeting)s” (%(dates)s, %(city)s). Please register with this link, which"
                " puts you in the delegation:",
                focal_point="focal_point",
                delegation="delegation",
                meeting="meeting",
                dates="dates",
                city="city",
            ),
            _p("invitation_link"),
        ],
        ("focal_point", "invitation_link"),
        base=FOCAL_POINT_PLACEHOLDERS,
    ),
    Automatic(
        "focal_point_decision",
        _l("The organisers' decision on a nomination, to the focal point"),
        ACCREDITATION,
        lambda: _(
            "%(meeting)s: %(nominee)s's registration is now %(status)s",
            meeting="meeting",
            nominee="nominee",
            status="status",
        ),
        lambda: [
            _(
                "The registration of %(nominee)s in the delegation of %(delegation)s to"
                " “%(meeting)s” is now %(status)s.",
                nominee="nominee",
                delegation="delegation",
                meeting="meeting",
                status="status",
            ),
            _p("note"),
            _("The delegation's page:") + "\n" + _p("focal_point_link"),
        ],
        ("nominee", "status", "note"),
        base=FOCAL_POINT_PLACEHOLDERS,
    ),
    Automatic(
        "credentials_reminder",
        _l("Reminder to focal points whose credentials letter is missing"),
        ACCREDITATION,
        lambda: _(
            "%(meeting)s: the credentials letter of %(delegation)s is missing",
            meeting="meeting",
            delegation="delegation",
        ),
        lambda: [
            _(
                "The organisers of “%(meeting)s” (%(dates)s, %(city)s) have not received the"
                " credentials letter of the delegation of %(delegation)s yet. Please upload it"
                " (a PDF, with its date and reference) on the delegation's page:",
                meeting="meeting",
                dates="dates",
                city="city",
                delegation="delegation",
            ),
            _p("focal_point_link"),
        ],
        base=FOCAL_POINT_PLACEHOLDERS,
    ),
)
AUTOMATIC: dict[str, Automatic] = {a.key: a for a in (*_AUTOMATIC, *_FOCAL_POINT_MAILS)}


@functools.cache
def default(key: str, language: str) -> tuple[str, str]:
    """The shipped (subject, body) of `key` in `language` (the catalog does not
    change while the process runs)."""
    automatic = AUTOMATIC[key]
    with force_locale(language):
        greeting = _("Dear %(name)s,", name="full_name")
        body = "\n\n".join((greeting, *automatic.paragraphs(), gettext("The organisers")))
        return automatic.subject(), body + "\n"


# Every registration sends a confirmation, and an import thousands: the meeting's
# own wordings are kept by each process (core/kept.py). Every change to them (save,
# reset, copy) marks the meeting changed, which is their key.
_OWN_TEXTS: PerMeeting[dict[tuple[str, str], tuple[str, str]]] = PerMeeting(500)


def _own_texts(meeting) -> dict[tuple[str, str], tuple[str, str]]:
    def read() -> dict[tuple[str, str], tuple[str, str]]:
        return {
            (t.key, t.language): (t.subject, t.body)
            for t in db.session.execute(
                sa.select(MailText).where(MailText.meeting_id == meeting.id)
            ).scalars()
        }

    return _OWN_TEXTS.get(meeting, read)


def _changed(meeting) -> None:
    """The meeting's wordings changed: its new mark keys them."""
    meeting.updated_at = utcnow()
    db.session.flush()


def text(meeting, key: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, whether it is the meeting's own) of `key` in `language`."""
    own = _own_texts(meeting).get((key, language))
    if own is not None:
        return (*own, True)
    return (*default(key, language), False)


def render(meeting, key: str, language: str, values: Mapping[str, str]) -> tuple[str, str]:
    """(subject, body) of `key` for one person: the placeholders filled."""
    subject, body, _own = text(meeting, key, language)
    return fill(subject, body, values)


def fill(subject: str, body: str, values: Mapping[str, str]) -> tuple[str, str]:
    """A wording (stored, or typed in the editor and previewed) for one person: the
    subject on one line; a paragraph left empty by an empty value (no note from
    the organisers) leaves no gap."""
    subject = " ".join(placeholders.fill(subject, values).split())[:SUBJECT_MAX]
    body = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", placeholders.fill(body, values))
    return subject, body.strip() + "\n"


def queue(
    recipient: str,
    key: str,
    language: str,
    values: Mapping[str, str],
    *,
    kind: str,
    meeting,
    participant=None,
    calendar: bytes | None = None,
    calendar_method: str = "",
) -> OutgoingMail | None:
    """Writes the automatic mail `key` in `language` with `values` and stores it for
    delivery after the commit (mail.store: None within `mail.bulk`)."""
    subject, body = render(meeting, key, language, values)
    return mail.store(
        mail.mail_values(recipient, subject, body, language, kind=kind, meeting=meeting),
        meeting=meeting,
        participant=participant,
        calendar=calendar,
        calendar_method=calendar_method,
    )


class TextError(Exception):
    def __init__(self, code: str, field: str, **details):
        super().__init__(code)
        self.code, self.field, self.details = code, field, details


def check(key: str, subject: str, body: str) -> list[TextError]:
    """What keeps a wording from being saved: an empty part, a text too long, or a
    placeholder this mail does not have (named)."""
    problems = []
    if not subject.strip():
        problems.append(TextError("empty", "subject"))
    if not body.strip():
        problems.append(TextError("empty", "body"))
    if len(subject) > SUBJECT_MAX:
        problems.append(TextError("too_long", "subject", limit=SUBJECT_MAX))
    if len(body) > BODY_MAX:
        problems.append(TextError("too_long", "body", limit=BODY_MAX))
    for field, value in (("subject", subject), ("body", body)):
        names = placeholders.unknown(AUTOMATIC[key].placeholders, value)
        if names:
            problems.append(TextError("unknown_placeholders", field, names=names))
    return problems


def save(meeting, key: str, language: str, subject: str, body: str, user) -> MailText:
    """The meeting's own wording of `key` in `language` (the caller checked it)."""
    row = db.session.execute(
        sa.select(MailText).filter_by(meeting_id=meeting.id, key=key, language=language)
    ).scalar_one_or_none() or MailText(meeting_id=meeting.id, key=key, language=language)
    row.subject, row.body = subject.strip(), body.strip() + "\n"
    row.updated_by = user.email if user is not None else ""
    db.session.add(row)
    _changed(meeting)
    return row


def reset(meeting, key: str, language: str) -> bool:
    """Back to the shipped wording: True if the meeting had its own."""
    result = db.session.execute(
        sa.delete(MailText).where(
            MailText.meeting_id == meeting.id, MailText.key == key, MailText.language == language
        )
    )
    _changed(meeting)
    return result.rowcount > 0


def copy(source, target) -> None:
    """A cloned meeting keeps the wordings of the meeting it was cloned from."""
    for row in db.session.execute(
        sa.select(MailText).where(MailText.meeting_id == source.id)
    ).scalars():
        db.session.add(
            MailText(
                meeting_id=target.id,
                key=row.key,
                language=row.language,
                subject=row.subject,
                body=row.body,
                updated_by=row.updated_by,
            )
        )
    _changed(target)
