"""Writing, reviewing and publishing communiqués, and what the public may read.

Services change data and flush; the view commits once. Every change goes through
`_bump`, which raises the communiqué's version with one conditional UPDATE (so
that of two organisers saving from the same version, the second is told) and
records the new state as a revision.
"""

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from babel.dates import format_date, format_interval
from babel.lists import format_list
from flask import abort
from flask_babel import force_locale, ngettext

from meeting_app.accounts.models import User
from meeting_app.communiques import markup
from meeting_app.communiques.models import (
    PUBLIC_STATUSES,
    Communique,
    CommuniqueGoal,
    CommuniqueOldSlug,
    CommuniqueRevision,
    CommuniqueStatus,
    CommuniqueText,
)
from meeting_app.core.collation import sort_key
from meeting_app.core.i18n import localized
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting
from meeting_app.models import utcnow
from meeting_app.outcomes.models import AttendanceSignOff
from meeting_app.registration.models import Participant, RegistrationStatus

SLUG_MAX = 80
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CommuniqueError(Exception):
    """A change refused; `code` names why (the view words it), `details` helps say it."""

    def __init__(self, code: str, field: str | None = None, **details):
        super().__init__(code)
        self.code = code
        self.field = field
        self.details = details


class StaleCommunique(CommuniqueError):
    """Someone saved the communiqué after the version this change started from."""

    def __init__(self, current: Communique):
        super().__init__("stale", current_version=current.version)
        self.current = current


# ---------- slugs ----------


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens; accents are transliterated
    ('Égalité à Rabat' -> 'egalite-a-rabat'); scripts with no Latin spelling fall
    back to 'communique'."""
    # Accents come apart from their letters (NFKD) and are dropped; anything else that
    # is not an ASCII letter or digit (an apostrophe, a dash, another script) separates.
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")
    slug = slug[:SLUG_MAX].rstrip("-")
    return slug or "communique"


def _slug_taken(slug: str, communique_id: int | None) -> bool:
    owner = db.session.scalar(db.select(Communique.id).filter_by(slug=slug))
    old_owner = db.session.scalar(db.select(CommuniqueOldSlug.communique_id).filter_by(slug=slug))
    return (owner is not None and owner != communique_id) or (
        old_owner is not None and old_owner != communique_id
    )


def unique_slug(base: str, communique_id: int | None = None) -> str:
    slug, n = base, 1
    while _slug_taken(slug, communique_id):
        n += 1
        slug = f"{base[: SLUG_MAX - len(str(n)) - 1]}-{n}"
    return slug


def _change_slug(communique: Communique, slug: str) -> None:
    if slug == communique.slug:
        return
    if communique.first_published_at is not None:
        raise CommuniqueError("slug_locked", field="slug")
    if not SLUG_PATTERN.match(slug) or len(slug) > SLUG_MAX:
        raise CommuniqueError("slug_invalid", field="slug")
    if _slug_taken(slug, communique.id):
        raise CommuniqueError("slug_taken", field="slug")
    # The new slug may be one this communiqué had before: it is current again.
    for old in [o for o in communique.old_slugs if o.slug == slug]:
        communique.old_slugs.remove(old)
    db.session.flush()
    communique.old_slugs.append(CommuniqueOldSlug(slug=communique.slug))
    communique.slug = slug


# ---------- placeholders ----------


def placeholder_values(meeting: Meeting | None, language: str) -> dict[str, str]:
    """The meeting's facts in `language`, as the communiqué's placeholders quote them:
    the figures of the attendance register's latest sign-off, else the approved
    people checked in at the door on the meeting's days (or, before anyone is, those
    approved), the countries they came from, the dates, venue and
    host. The counts come bare ("7") and with their noun in the language's plural
    form ("7 participants", "1 country")."""
    if meeting is None:
        return {}
    signed = _signed_attendance(meeting)
    approved = Participant.status == RegistrationStatus.APPROVED
    # A check-in's day is the meeting's local date: a rehearsal at the desk the day
    # before, or a scan after the meeting, is no attendance.
    checked_in = (
        db.select(CheckIn.participant_id)
        .join(Participant, Participant.id == CheckIn.participant_id)
        .where(
            Participant.meeting_id == meeting.id,
            approved,
            CheckIn.cancelled_at.is_(None),
            CheckIn.day.between(meeting.start_date, meeting.end_date),
        )
    )
    if signed is not None:
        # The secretariat signed the attendance register off: its figures are the facts.
        participants = int(signed.get("participants") or 0)
        countries = db.session.execute(
            db.select(Country).where(Country.code.in_(list(signed.get("countries") or [])))
        ).scalars()
    else:
        if db.session.scalar(db.select(sa.exists(checked_in))):
            counted = Participant.id.in_(checked_in)
        else:
            counted = approved
        participants = db.session.scalar(
            db.select(sa.func.count(Participant.id)).where(
                Participant.meeting_id == meeting.id, counted
            )
        )
        countries = db.session.execute(
            db.select(Country)
            .join(Delegation, Delegation.country_code == Country.code)
            .join(Participant, Participant.delegation_id == Delegation.id)
            .where(Delegation.meeting_id == meeting.id, counted)
            .distinct()
        ).scalars()
    names = sorted((c.name(language) for c in countries), key=sort_key(language))
    if meeting.start_date == meeting.end_date:
        dates = format_date(meeting.start_date, "long", locale=language)
    else:
        dates = format_interval(meeting.start_date, meeting.end_date, "yMMMMd", locale=language)
    participants = participants or 0
    with force_locale(language):
        participants_text = ngettext("%(num)d participant", "%(num)d participants", participants)
        countries_text = ngettext("%(num)d country", "%(num)d countries", len(names))
    return {
        "participants": str(participants),
        "participants_text": participants_text,
        "countries_count": str(len(names)),
        "countries_count_text": countries_text,
        "countries": format_list(names, locale=language) if names else "",
        "dates": dates,
        "venue": ", ".join(part for part in (meeting.venue, meeting.city) if part),
        "host": localized(meeting.host, meeting.default_language, language).text,
        "meeting": localized(meeting.title, meeting.default_language, language).text,
    }


def _signed_attendance(meeting: Meeting) -> dict | None:
    """The figures of the attendance register's latest sign-off, if any."""
    figures = db.session.execute(
        db.select(AttendanceSignOff.figures)
        .where(AttendanceSignOff.meeting_id == meeting.id)
        .order_by(AttendanceSignOff.signed_at.desc(), AttendanceSignOff.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return figures if isinstance(figures, dict) and "participants" in figures else None


@dataclass(frozen=True)
class Preview:
    title: str
    summary: str
    html: str
    unknown: list[str]


def preview(meeting: Meeting | None, language: str, title: str, summary: str, body: str) -> Preview:
    """The text as it would be published now, with the live facts filled in and any
    placeholder that does not exist highlighted and listed."""
    values = placeholder_values(meeting, language)
    filled_body = markup.fill(body, values)
    return Preview(
        title=markup.fill(title, values, markdown=False),
        summary=markup.fill(summary, values, markdown=False),
        html=markup.mark_unknown(markup.to_html(filled_body)),
        unknown=markup.unknown_placeholders(title, summary, body)
        + ([] if values else _known_in(title, summary, body)),
    )


def _known_in(*texts: str) -> list[str]:
    """Placeholders that exist but have no value (a communiqué with no meeting)."""
    return [
        name
        for name in dict.fromkeys(n for t in texts for n in markup.PLACEHOLDER.findall(t or ""))
        if name in markup.PLACEHOLDERS
    ]


# ---------- changes ----------


def snapshot(communique: Communique) -> dict:
    return {
        "slug": communique.slug,
        "sdgs": communique.sdgs,
        "status": communique.status.value,
        "texts": {
            t.language: {"title": t.title, "summary": t.summary, "body": t.body}
            for t in communique.texts
        },
    }


def _bump(communique: Communique, expected_version: int) -> None:
    """Claims the next version with one conditional UPDATE: of two organisers who
    started from the same version, only the first gets it; the second is refused."""
    claimed = db.session.execute(
        sa.update(Communique)
        .where(Communique.id == communique.id, Communique.version == expected_version)
        .values(version=expected_version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.refresh(communique)
        raise StaleCommunique(communique)
    communique.version = expected_version + 1


def _record(communique: Communique, action: str, user) -> CommuniqueRevision:
    db.session.flush()
    revision = CommuniqueRevision(
        communique=communique,
        number=communique.version,
        action=action,
        by_user=user if isinstance(user, User) else None,
        snapshot=snapshot(communique),
    )
    db.session.add(revision)
    db.session.flush()
    return revision


def create_communique(
    meeting: Meeting,
    *,
    language: str,
    title: str,
    summary: str = "",
    body: str = "",
    sdgs=(),
    user=None,
) -> Communique:
    """A new draft with its first language version; the slug comes from the title."""
    communique = Communique(
        meeting=meeting,
        slug=unique_slug(slugify(title)),
        default_language=language,
        status=CommuniqueStatus.DRAFT,
        version=1,
    )
    communique.sdgs = sdgs
    communique.texts.append(
        CommuniqueText(language=language, title=title, summary=summary, body=body)
    )
    db.session.add(communique)
    _record(communique, "created", user)
    return communique


def save_text(
    communique: Communique,
    *,
    language: str,
    title: str,
    summary: str,
    body: str,
    sdgs,
    slug: str | None,
    expected_version: int,
    user=None,
) -> Communique:
    """Saves one language version (added if new) and the shared goals and slug.
    The published copy is untouched until the communiqué is published again."""
    _bump(communique, expected_version)
    if slug is not None:
        _change_slug(communique, slug)
    communique.sdgs = sdgs
    text = communique.text(language)
    if text is None:
        text = CommuniqueText(language=language)
        communique.texts.append(text)
    text.title, text.summary, text.body = title, summary, body
    _record(communique, "saved", user)
    return communique


def publication_problems(communique: Communique) -> list[CommuniqueError]:
    """Why the communiqué cannot be published as it is (empty list: it can)."""
    problems: list[CommuniqueError] = []
    texts = {t.language: t for t in communique.texts}
    if communique.default_language not in texts:
        problems.append(CommuniqueError("no_default_text", language=communique.default_language))
    for text in communique.texts:
        if not text.title.strip():
            problems.append(CommuniqueError("empty_title", language=text.language))
        if not text.body.strip():
            problems.append(CommuniqueError("empty_body", language=text.language))
        unknown = markup.unknown_placeholders(text.title, text.summary, text.body)
        if not communique.meeting:
            unknown += _known_in(text.title, text.summary, text.body)
        if unknown:
            problems.append(
                CommuniqueError("unknown_placeholders", language=text.language, names=unknown)
            )
    return problems


def publish(
    communique: Communique,
    *,
    expected_version: int,
    user=None,
    at: datetime | None = None,
    now: datetime | None = None,
) -> Communique:
    """Freezes every language version with today's facts and makes the communiqué
    public now, or at `at` (scheduled). A communiqué someone asked to review is
    published by another organiser."""
    now = now or utcnow()
    if at is not None and at <= now:
        raise CommuniqueError("schedule_in_past", field="at")
    if (
        communique.status is CommuniqueStatus.IN_REVIEW
        and user is not None
        and communique.review_requested_by_id == user.id
    ):
        raise CommuniqueError("own_review")
    if at is not None and communique.is_public(now):
        # One published copy: scheduling a new one would hide the current one until then.
        raise CommuniqueError("schedule_while_public", field="at")
    problems = publication_problems(communique)
    if problems:
        raise problems[0]
    _bump(communique, expected_version)
    for text in communique.texts:
        values = placeholder_values(communique.meeting, text.language)
        text.published_title = markup.fill(text.title, values, markdown=False)
        text.published_summary = markup.fill(text.summary, values, markdown=False)
        text.published_body = markup.fill(text.body, values)
    communique.status = CommuniqueStatus.SCHEDULED if at else CommuniqueStatus.PUBLISHED
    communique.published_at = at or now
    communique.first_published_at = communique.first_published_at or communique.published_at
    communique.review_requested_by = None
    _record(communique, "scheduled" if at else "published", user)
    return communique


def unpublish(communique: Communique, *, expected_version: int, user=None) -> Communique:
    if communique.status not in PUBLIC_STATUSES:
        raise CommuniqueError("not_published")
    _bump(communique, expected_version)
    if communique.first_published_at == communique.published_at and not communique.is_public():
        # A scheduled publication called off before its time: it never was public.
        communique.first_published_at = None
    communique.status = CommuniqueStatus.DRAFT
    _record(communique, "unpublished", user)
    return communique


def request_review(communique: Communique, *, expected_version: int, user) -> Communique:
    if communique.status is not CommuniqueStatus.DRAFT:
        raise CommuniqueError("not_draft")
    _bump(communique, expected_version)
    communique.status = CommuniqueStatus.IN_REVIEW
    communique.review_requested_by = user
    _record(communique, "review_requested", user)
    return communique


def return_to_draft(communique: Communique, *, expected_version: int, user) -> Communique:
    if communique.status is not CommuniqueStatus.IN_REVIEW:
        raise CommuniqueError("not_in_review")
    _bump(communique, expected_version)
    communique.status = CommuniqueStatus.DRAFT
    communique.review_requested_by = None
    _record(communique, "returned", user)
    return communique


def delete_draft(communique: Communique, *, expected_version: int) -> None:
    """Deletes a communiqué that was never published (one that was keeps its address
    and history: unpublish it instead)."""
    if communique.first_published_at is not None:
        raise CommuniqueError("published_once")
    _bump(communique, expected_version)
    db.session.delete(communique)
    db.session.flush()


# ---------- versions ----------


@dataclass
class FieldDiff:
    language: str | None
    field: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # (kind, text): add, del, same


def diff(old: dict, new: dict) -> list[FieldDiff]:
    """What changed between two snapshots, field by field, as difflib's line diff."""
    changes: list[FieldDiff] = []
    for name in ("slug", "sdgs", "status"):
        before, after = old.get(name), new.get(name)
        if before != after:
            changes.append(FieldDiff(None, name, [("del", _shown(before)), ("add", _shown(after))]))
    old_texts, new_texts = old.get("texts", {}), new.get("texts", {})
    for language in sorted(set(old_texts) | set(new_texts)):
        for name in ("title", "summary", "body"):
            before = (old_texts.get(language) or {}).get(name, "")
            after = (new_texts.get(language) or {}).get(name, "")
            if before == after:
                continue
            lines = []
            for line in difflib.ndiff(before.splitlines(), after.splitlines()):
                kind = {"+": "add", "-": "del", " ": "same"}.get(line[:1])
                if kind:  # "?" lines are ndiff's hints, not text
                    lines.append((kind, line[2:]))
            changes.append(FieldDiff(language, name, lines))
    return changes


def _shown(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def get_revision(communique: Communique, number: int) -> CommuniqueRevision:
    revision = db.session.execute(
        db.select(CommuniqueRevision).filter_by(communique_id=communique.id, number=number)
    ).scalar_one_or_none()
    if revision is None:
        abort(404)
    return revision


def previous_revision(revision: CommuniqueRevision) -> CommuniqueRevision | None:
    return db.session.execute(
        db.select(CommuniqueRevision)
        .filter(
            CommuniqueRevision.communique_id == revision.communique_id,
            CommuniqueRevision.number < revision.number,
        )
        .order_by(CommuniqueRevision.number.desc())
        .limit(1)
    ).scalar_one_or_none()


# ---------- what the public reads ----------


def public_query(now: datetime | None = None):
    """Published communiqués, and scheduled ones whose time has come, newest first."""
    now = now or utcnow()
    return (
        db.select(Communique)
        .filter(
            Communique.status.in_(PUBLIC_STATUSES),
            Communique.published_at.is_not(None),
            Communique.published_at <= now,
        )
        .options(sa.orm.selectinload(Communique.texts), sa.orm.selectinload(Communique.goals))
        .order_by(
            sa.func.coalesce(Communique.first_published_at, Communique.published_at).desc(),
            Communique.id.desc(),
        )
    )


def public_list(meeting_slug: str = "", goal: int | None = None):
    query = public_query()
    if meeting_slug:
        query = query.join(Meeting, Meeting.id == Communique.meeting_id).filter(
            Meeting.slug == meeting_slug
        )
    if goal:
        query = query.filter(
            Communique.id.in_(db.select(CommuniqueGoal.communique_id).filter_by(goal=goal))
        )
    return query


def latest(limit: int = 3) -> list[Communique]:
    return list(db.session.execute(public_query().limit(limit)).scalars())


def of_meeting(meeting: Meeting) -> list[Communique]:
    return list(
        db.session.execute(public_query().filter(Communique.meeting_id == meeting.id)).scalars()
    )


def meetings_with_communiques() -> list[Meeting]:
    return list(
        db.session.execute(
            db.select(Meeting)
            .filter(Meeting.id.in_(public_query().with_only_columns(Communique.meeting_id)))
            .order_by(Meeting.start_date.desc())
        ).scalars()
    )


def find_public(slug: str) -> tuple[Communique | None, str | None]:
    """(the public communiqué, None), or (None, its current slug) for an old slug;
    404 otherwise (drafts and scheduled ones not yet due are not public)."""
    communique = db.session.execute(
        public_query().filter(Communique.slug == slug)
    ).scalar_one_or_none()
    if communique is not None:
        return communique, None
    old = db.session.get(CommuniqueOldSlug, slug)
    if old is not None and old.communique.is_public():
        return None, old.communique.slug
    abort(404)


def pick_text(communique: Communique, wanted: str | None, reader: str) -> CommuniqueText:
    """The language version asked for, else the reader's, else the default, else any."""
    texts = {t.language: t for t in communique.published_texts}
    for language in (wanted, reader, communique.default_language):
        if language in texts:
            return texts[language]
    if not texts:
        abort(404)
    return next(iter(texts.values()))
