"""Meetings and countries: what the public pages list, and the country table."""

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from zoneinfo import available_timezones

import sqlalchemy as sa
from babel import Locale
from babel.core import get_global
from flask import abort, g
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meeting_app.communiques import services as communiques
from meeting_app.communiques.models import Communique
from meeting_app.core.i18n import LANGUAGES, language_name, localized
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.meetings.models import (
    DEFAULT_LANGUAGES,
    Country,
    Meeting,
    MeetingSeries,
    MeetingStatus,
)
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration.models import Participant, RegistrationStatus

PUBLIC_STATUSES = (MeetingStatus.PUBLISHED, MeetingStatus.ARCHIVED)

# Babel's territories also hold groupings, user-assigned and "exceptionally reserved"
# codes that are not ISO 3166-1 countries; without them 249 remain, as in the standard.
_NOT_COUNTRIES = {
    "EU",
    "EZ",
    "UN",
    "QO",
    "XA",
    "XB",
    "XK",
    "ZZ",
    "AC",
    "CP",
    "CQ",
    "DG",
    "EA",
    "IC",
    "TA",
}


def babel_countries(languages: tuple[str, ...] = LANGUAGES) -> list[dict[str, str]]:
    """ISO 3166-1 alpha-2 countries and territories, named in each of `languages`
    (the `name_<code>` columns; English always) by Babel's CLDR data. A migration
    passes the languages its table had then."""
    names = {lang: Locale.parse(lang).territories for lang in ("en", *languages)}
    codes = sorted(
        code
        for code in names["en"]
        if len(code) == 2 and code.isalpha() and code.isupper() and code not in _NOT_COUNTRIES
    )
    return [
        {
            "code": code,
            **{f"name_{lang}": names[lang].get(code, names["en"][code]) for lang in names},
        }
        for code in codes
    ]


def sync_countries() -> int:
    """Adds missing countries and refreshes names from Babel; returns how many were added."""
    existing = {c.code: c for c in db.session.execute(db.select(Country)).scalars()}
    added = 0
    for row in babel_countries():
        country = existing.get(row["code"])
        if country is None:
            db.session.add(Country(**row))
            added += 1
        else:
            for key, value in row.items():
                setattr(country, key, value)
    db.session.flush()
    return added


def countries_by_name(language: str) -> list[Country]:
    """Every country, in `language`'s alphabetical order (the select lists)."""
    return list(
        db.session.execute(db.select(Country).order_by(Country.by_name(language))).scalars()
    )


# flask.g: the meeting that code running before the view (the upload limit of a
# registration POST) has read already, for get_public_meeting to use: one query
# less on every registration.
READ_MEETING = "meeting_read"


def remember_read(meeting: Meeting) -> None:
    g.setdefault(READ_MEETING, meeting)


def get_public_meeting(slug: str) -> Meeting:
    """A published or archived meeting, or 404. A draft is shown only to a signed-in
    member of its staff (`g.draft_preview` then puts the "not public yet" banner on
    the page); to anyone else it does not exist."""
    meeting = g.get(READ_MEETING)
    if meeting is None or meeting.slug != slug:
        meeting = db.session.execute(db.select(Meeting).filter_by(slug=slug)).scalar_one_or_none()
    if meeting is None:
        abort(404)
    if meeting.status not in PUBLIC_STATUSES:
        if not is_staff_of(current_user, meeting):
            abort(404)
        g.draft_preview = meeting
    return meeting


def is_staff_of(user, meeting: Meeting) -> bool:
    """Whether `user` (signed in or not) holds any role in `meeting`."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_admin or user.role_in(meeting.id) is not None)


def get_meeting(slug: str) -> Meeting:
    """Any meeting, drafts included (staff pages), or 404. A staff page's role
    guard has loaded it already (`g.meeting`): that one is taken, not read again."""
    loaded = g.get("meeting")
    if loaded is not None and loaded.slug == slug:
        return loaded
    return db.first_or_404(db.select(Meeting).filter_by(slug=slug))


def get_in_meeting(model, row_id: int, meeting: Meeting):
    """A row of `model` that belongs to `meeting`, or 404 (an id from another
    meeting's page must not reach this one's data)."""
    row = db.session.get(model, row_id)
    if row is None or row.meeting_id != meeting.id:
        abort(404)
    return row


def upcoming_and_past(today: date | None = None) -> tuple[list[Meeting], list[Meeting]]:
    today = today or utcnow().date()
    meetings = (
        db.session.execute(
            db.select(Meeting)
            .filter(Meeting.status.in_(PUBLIC_STATUSES))
            .order_by(Meeting.start_date)
        )
        .scalars()
        .all()
    )
    upcoming = [m for m in meetings if m.end_date >= today and m.status is MeetingStatus.PUBLISHED]
    past = [m for m in reversed(meetings) if m not in upcoming]
    return upcoming, past


def latest_communiques(limit: int = 3) -> list[Communique]:
    return communiques.latest(limit)


@dataclass(frozen=True)
class MeetingFigures:
    delegations: int
    approved_participants: int


def public_figures(meeting: Meeting) -> MeetingFigures:
    delegations = db.session.scalar(
        db.select(sa.func.count(Delegation.id)).filter(Delegation.meeting_id == meeting.id)
    )
    approved = db.session.scalar(
        db.select(sa.func.count(Participant.id)).filter(
            Participant.meeting_id == meeting.id,
            Participant.status == RegistrationStatus.APPROVED,
        )
    )
    return MeetingFigures(delegations or 0, approved or 0)


def registration_state(meeting: Meeting, now: datetime | None = None) -> str:
    """'open', 'not_open_yet', 'closed', 'none' (no registration dates set) or
    'archived' (the meeting is over and closed: no registration, no changes)."""
    if meeting.status is MeetingStatus.ARCHIVED:
        return "archived"
    now = now or utcnow()
    opens, closes = meeting.registration_opens_at, meeting.registration_closes_at
    if opens is None or closes is None:
        return "none"
    if now < opens:
        return "not_open_yet"
    if now >= closes:
        return "closed"
    return "open"


# --- Creating and changing meetings ---------------------------------------------------

# The content languages a meeting may use: the interface's, defined once (core.i18n).
CONTENT_LANGUAGES = LANGUAGES
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
# Paths under /manage/meetings/ that a slug must not shadow.
RESERVED_SLUGS = frozenset({"new"})

# Why an input is refused (codes in MeetingError.errors), said in the reader's
# language on the web and in English on the command line.
ERROR_MESSAGES = {
    "slug_missing": _l("Give the meeting an address (slug)."),
    "slug_format": _l(
        "Use lower-case letters, digits and single hyphens only (no capitals, spaces "
        "or slashes), at most 80 characters."
    ),
    "slug_taken": _l("This address is already used by another meeting."),
    "slug_reserved": _l("This address is reserved: choose another."),
    "slug_fixed": _l("The address of a published meeting cannot change: people bookmark it."),
    "series_unknown": _l("Choose a series from the list."),
    "series_slug_taken": _l("A series with this address already exists."),
    "series_title_missing": _l("Give the new series a title."),
    "number_positive": _l("The number in the series is 1 or more."),
    "title_missing": _l("Give the title in at least one of the meeting's languages."),
    "dates_missing": _l("Enter the first and the last day."),
    "dates_order": _l("The last day cannot be before the first day."),
    "timezone_unknown": _l(
        "Unknown time zone: choose one from the list, such as Asia/Kathmandu or Africa/Casablanca."
    ),
    "languages_empty": _l("Choose at least one language."),
    "languages_unknown": _l(
        "Choose the languages among %(languages)s.",
        languages=LazyString(lambda: ", ".join(f"{language_name(c)} ({c})" for c in LANGUAGES)),
    ),
    "default_language": _l("The default language must be one of the meeting's languages."),
    "country_unknown": _l("Choose the host country from the list."),
    "email_invalid": _l("Enter a valid e-mail address."),
    "not_draft": _l("Only a draft meeting can be deleted."),
    "has_registrations": _l(
        "This meeting has registrations: it cannot be deleted. Archive it instead."
    ),
    "slug_mismatch": _l("Type the meeting's address exactly to confirm."),
    "not_published": _l("Only a published meeting can be archived."),
    "already_published": _l("This meeting is already published."),
}


class MeetingError(ValueError):
    """Bad input for a meeting: `errors` maps each field at fault to a code of
    ERROR_MESSAGES."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{field}: {code}" for field, code in errors.items()))
        self.errors = errors

    def messages(self) -> dict[str, str]:
        return {field: str(ERROR_MESSAGES.get(code, code)) for field, code in self.errors.items()}

    def one_line(self) -> str:
        return " ".join(self.messages().values())


@dataclass
class MeetingInput:
    """What a meeting's settings form (or the command line) gives; content fields are
    dicts per language."""

    slug: str
    title: dict[str, str]
    start_date: date | None
    end_date: date | None
    timezone: str
    city: str = ""
    venue: str = ""
    venue_address: str = ""
    description: dict[str, str] = field(default_factory=dict)
    host: dict[str, str] = field(default_factory=dict)
    host_country_code: str | None = None
    series_id: int | None = None
    # A series created with the meeting: its title (web) and/or its slug (CLI).
    new_series_title: str = ""
    new_series_slug: str = ""
    number_in_series: int | None = None
    languages: list[str] = field(default_factory=lambda: list(DEFAULT_LANGUAGES))
    default_language: str = "en"
    contact_email: str = ""
    signatory_name: str = ""
    signatory_title: dict[str, str] = field(default_factory=dict)


# The Meeting columns MeetingInput sets one to one (the audit log names them).
_SETTINGS = (
    "slug",
    "title",
    "description",
    "host",
    "host_country_code",
    "city",
    "venue",
    "venue_address",
    "timezone",
    "start_date",
    "end_date",
    "languages",
    "default_language",
    "contact_email",
    "signatory_name",
    "signatory_title",
    "number_in_series",
)


def series_list() -> list[MeetingSeries]:
    return list(db.session.execute(db.select(MeetingSeries).order_by(MeetingSeries.slug)).scalars())


def slugify(text: str) -> str:
    """'Programme Board (Kathmandu)' -> 'programme-board-kathmandu' (accents dropped)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX].strip("-")


def slug_taken(slug: str, *, except_id: int | None = None) -> bool:
    query = db.select(Meeting.id).filter(Meeting.slug == slug)
    if except_id is not None:
        query = query.filter(Meeting.id != except_id)
    return db.session.execute(query).first() is not None


def suggest_slug(series: MeetingSeries | str | None, start: date | None) -> str:
    """The series' slug and the year ('programme-board-2027'), made unique with a
    number ('programme-board-2027-2') when a meeting already has it."""
    base = series.slug if isinstance(series, MeetingSeries) else slugify(series or "")
    base = "-".join(part for part in (base or "meeting", str(start.year) if start else "") if part)
    candidate, n = base, 2
    while slug_taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@functools.cache
def _country_zones() -> dict[str, list[str]]:
    """Country code -> its IANA zones, the main one first, from the tz database's
    zone.tab (shipped by the tzdata package or the system), else Babel's list."""
    text = ""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        try:
            text = Path("/usr/share/zoneinfo/zone.tab").read_text("utf-8")
        except OSError:
            text = ""
    zones: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            zones.setdefault(parts[0], []).append(parts[2])
    if not zones:
        zones = {code: list(names) for code, names in get_global("territory_zones").items()}
    return zones


def country_zone(country_code: str | None) -> str | None:
    """The host country's main time zone ('NP' -> 'Asia/Kathmandu'), or None."""
    if not country_code:
        return None
    known = all_timezones()
    return next((z for z in _country_zones().get(country_code.upper(), []) if z in known), None)


@functools.cache
def all_timezones() -> tuple[str, ...]:
    """Every IANA zone this Python knows, sorted (the form's list)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def _clean_text(values: dict[str, str], languages: list[str]) -> dict[str, str]:
    return {lang: values[lang].strip() for lang in languages if (values.get(lang) or "").strip()}


def _check(data: MeetingInput, meeting: Meeting | None) -> dict[str, str]:
    """Every problem of `data` at once (field -> code), so the form shows them all."""
    errors: dict[str, str] = {}
    slug = data.slug
    if not slug:
        errors["slug"] = "slug_missing"
    elif meeting is not None and meeting.status is not MeetingStatus.DRAFT and slug != meeting.slug:
        errors["slug"] = "slug_fixed"
    elif len(slug) > SLUG_MAX or not SLUG_PATTERN.match(slug):
        errors["slug"] = "slug_format"
    elif slug in RESERVED_SLUGS:
        errors["slug"] = "slug_reserved"
    elif slug_taken(slug, except_id=meeting.id if meeting is not None else None):
        errors["slug"] = "slug_taken"
    if data.start_date is None or data.end_date is None:
        errors["start_date" if data.start_date is None else "end_date"] = "dates_missing"
    elif data.end_date < data.start_date:
        errors["end_date"] = "dates_order"
    if data.timezone not in available_timezones():
        errors["timezone"] = "timezone_unknown"
    languages = data.languages
    if not languages:
        errors["languages"] = "languages_empty"
    elif any(lang not in CONTENT_LANGUAGES for lang in languages):
        errors["languages"] = "languages_unknown"
    elif data.default_language not in languages:
        errors["default_language"] = "default_language"
    if not errors.get("languages") and not _clean_text(data.title, languages):
        errors["title"] = "title_missing"
    if data.series_id is not None and db.session.get(MeetingSeries, data.series_id) is None:
        errors["series_id"] = "series_unknown"
    new_series = data.new_series_slug
    if new_series and (not SLUG_PATTERN.match(new_series) or len(new_series) > SLUG_MAX):
        errors["series_id"] = "slug_format"
    if data.number_in_series is not None and data.number_in_series < 1:
        errors["number_in_series"] = "number_positive"
    if data.host_country_code and db.session.get(Country, data.host_country_code) is None:
        errors["host_country_code"] = "country_unknown"
    email = data.contact_email.strip()
    if email and (len(email) > 254 or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)):
        errors["contact_email"] = "email_invalid"
    return errors


def _series_for(data: MeetingInput) -> MeetingSeries | None:
    """The series chosen, or one created inline (an existing slug is reused)."""
    if data.series_id is not None:
        return db.session.get(MeetingSeries, data.series_id)
    title, slug = data.new_series_title.strip(), data.new_series_slug.strip()
    if not (title or slug):
        return None
    slug = slug or slugify(title) or "series"
    existing = db.session.execute(
        db.select(MeetingSeries).filter_by(slug=slug)
    ).scalar_one_or_none()
    if existing is not None:
        if not data.new_series_slug:
            # A new title that happens to slugify like an old series: a new series.
            base, n = slug, 2
            while db.session.execute(db.select(MeetingSeries.id).filter_by(slug=slug)).first():
                slug, n = f"{base}-{n}", n + 1
        else:
            return existing
    series = MeetingSeries(slug=slug, title={data.default_language: title or slug}, programme={})
    db.session.add(series)
    return series


def _apply(meeting: Meeting, data: MeetingInput) -> list[str]:
    """Sets the settings of `data` on `meeting`; returns the names of those changed."""
    languages = [lang for lang in CONTENT_LANGUAGES if lang in data.languages]
    values = {
        "slug": data.slug,
        "title": _clean_text(data.title, languages),
        "description": _clean_text(data.description, languages),
        "host": _clean_text(data.host, languages),
        "host_country_code": data.host_country_code or None,
        "city": data.city.strip(),
        "venue": data.venue.strip(),
        "venue_address": data.venue_address.strip(),
        "timezone": data.timezone,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "languages": languages,
        "default_language": data.default_language,
        "contact_email": data.contact_email.strip(),
        "signatory_name": data.signatory_name.strip(),
        "signatory_title": _clean_text(data.signatory_title, languages),
        "number_in_series": data.number_in_series,
    }
    changed = []
    for name in _SETTINGS:
        current = getattr(meeting, name, None)
        if isinstance(current, dict):
            current = dict(current)
        if current != values[name]:
            changed.append(name)
            setattr(meeting, name, values[name])
    series = _series_for(data)
    if series is not meeting.series:
        meeting.series = series
        changed.append("series")
    return changed


def create_meeting(data: MeetingInput, *, user=None) -> Meeting:
    """A new draft meeting (and its series, when created inline); raises
    MeetingError with every problem of the input."""
    errors = _check(data, None)
    if errors:
        raise MeetingError(errors)
    meeting = Meeting(status=MeetingStatus.DRAFT)
    _apply(meeting, data)
    db.session.add(meeting)
    db.session.flush()
    audit.record("meeting.created", user=user, meeting=meeting, details=meeting.slug)
    return meeting


def update_meeting(meeting: Meeting, data: MeetingInput, *, user=None) -> list[str]:
    """Changes a meeting's settings; returns the names of the settings changed
    (logged, without their values). The slug is fixed once published. A change of
    time zone here only changes the zone: manage.services keeps the agenda's local
    times."""
    errors = _check(data, meeting)
    if errors:
        raise MeetingError(errors)
    changed = _apply(meeting, data)
    if changed:
        db.session.flush()
        audit.record("meeting.settings", user=user, meeting=meeting, details=", ".join(changed))
    return changed


def input_from(meeting: Meeting) -> MeetingInput:
    """A meeting's settings as the form's input (to fill the form, or to clone)."""
    return MeetingInput(
        slug=meeting.slug,
        title=dict(meeting.title),
        description=dict(meeting.description),
        host=dict(meeting.host),
        host_country_code=meeting.host_country_code,
        city=meeting.city,
        venue=meeting.venue,
        venue_address=meeting.venue_address,
        timezone=meeting.timezone,
        start_date=meeting.start_date,
        end_date=meeting.end_date,
        series_id=meeting.series_id,
        number_in_series=meeting.number_in_series,
        languages=list(meeting.languages or DEFAULT_LANGUAGES),
        default_language=meeting.default_language,
        contact_email=meeting.contact_email,
        signatory_name=meeting.signatory_name,
        signatory_title=dict(meeting.signatory_title),
    )


def settings_warnings(meeting: Meeting) -> list[str]:
    """What looks wrong but is allowed ('registration_after_end'): said, not refused."""
    warnings = []
    closes = meeting.registration_closes_at
    if closes is not None and closes.astimezone(meeting.tz).date() > meeting.end_date:
        warnings.append("registration_after_end")
    return warnings


# --- Lifecycle: draft, published, archived -------------------------------------------


@dataclass(frozen=True)
class ReadinessItem:
    code: str  # dates, venue, timezone, registration, delegations, signatory
    ready: bool


def readiness(meeting: Meeting, today: date | None = None) -> list[ReadinessItem]:
    """What a meeting should have before it is published; missing items warn, they
    don't block."""
    today = today or meeting.local_date()
    opens, closes = meeting.registration_opens_at, meeting.registration_closes_at
    delegations = db.session.scalar(
        db.select(sa.func.count(Delegation.id)).filter(Delegation.meeting_id == meeting.id)
    )
    return [
        ReadinessItem("dates", meeting.end_date >= meeting.start_date >= today),
        ReadinessItem("venue", bool(meeting.venue.strip() and meeting.city.strip())),
        # UTC is the column's default: a meeting really held there is rare.
        ReadinessItem("timezone", meeting.timezone != "UTC"),
        ReadinessItem(
            "registration",
            opens is not None
            and closes is not None
            and "registration_after_end" not in settings_warnings(meeting),
        ),
        ReadinessItem("delegations", bool(delegations)),
        ReadinessItem("signatory", bool(meeting.signatory_name.strip())),
    ]


def publish(meeting: Meeting, *, user=None) -> None:
    """Makes a draft (or an archived meeting) public; its slug is fixed from now on."""
    if meeting.status is MeetingStatus.PUBLISHED:
        raise MeetingError({"status": "already_published"})
    missing = [item.code for item in readiness(meeting) if not item.ready]
    meeting.status = MeetingStatus.PUBLISHED
    db.session.flush()
    details = f"missing: {', '.join(missing)}" if missing else ""
    audit.record("meeting.published", user=user, meeting=meeting, details=details)


def archive(meeting: Meeting, *, user=None) -> None:
    """Closes a published meeting: its public pages stay; registration, participants'
    edits and the desk close."""
    if meeting.status is not MeetingStatus.PUBLISHED:
        raise MeetingError({"status": "not_published"})
    meeting.status = MeetingStatus.ARCHIVED
    db.session.flush()
    audit.record("meeting.archived", user=user, meeting=meeting)


def is_archived(meeting: Meeting) -> bool:
    """Whether the meeting is closed: no registration, no participants' edits, no desk."""
    return meeting.status is MeetingStatus.ARCHIVED


def registration_count(meeting: Meeting) -> int:
    return db.session.scalar(
        db.select(sa.func.count(Participant.id)).filter(Participant.meeting_id == meeting.id)
    )


def delete_draft(meeting: Meeting, typed_slug: str, *, user=None) -> None:
    """Deletes a draft that nobody registered for, once its slug is typed; refused
    (MeetingError) otherwise."""
    if meeting.status is not MeetingStatus.DRAFT:
        raise MeetingError({"status": "not_draft"})
    if registration_count(meeting):
        raise MeetingError({"status": "has_registrations"})
    if typed_slug.strip() != meeting.slug:
        raise MeetingError({"confirm_slug": "slug_mismatch"})
    # Logged about no meeting (it is gone); the slug is not personal data.
    audit.record("meeting.deleted", user=user, details=meeting.slug)
    db.session.delete(meeting)
    db.session.flush()


def problems(data: MeetingInput, meeting: Meeting | None = None) -> dict[str, str]:
    """What `create_meeting` / `update_meeting` would refuse (field -> code), without
    changing anything: lets a form show every problem at once."""
    return _check(data, meeting)


def localized_title(meeting: Meeting, language: str | None = None) -> str:
    return localized(meeting.title, meeting.default_language, language).text
