from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.core.collation import collated
from meeting_app.models import (
    Base,
    LabelledEnum,
    TranslatedText,
    UTCDateTime,
    enum_column,
    set_labels,
    utcnow,
)

if TYPE_CHECKING:
    from meeting_app.agenda.models import AgendaSession, Room
    from meeting_app.delegations.models import Delegation
    from meeting_app.registration.models import Participant


# The languages a new meeting's content is written in, unless its organisers choose
# others among core.i18n.LANGUAGES: the programme's three working languages.
DEFAULT_LANGUAGES = ("fr", "en", "es")


class Country(Base):
    """An ISO 3166-1 country; names come from Babel's locale data (see services), one
    column per language of core.i18n.LANGUAGES (`name_<code>`)."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(100))
    name_fr: Mapped[str] = mapped_column(sa.String(100))
    name_es: Mapped[str] = mapped_column(sa.String(100))
    name_ar: Mapped[str] = mapped_column(sa.String(100))
    name_ru: Mapped[str] = mapped_column(sa.String(100))

    def name(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_en

    @classmethod
    def name_column(cls, language: str):
        """The column of names in `language` (English for a language we have none in)."""
        return getattr(cls, f"name_{language}", cls.name_en)

    @classmethod
    def by_name(cls, language: str) -> sa.ColumnElement:
        """ORDER BY this to list countries as `language` sorts them (Égypte among the E's)."""
        return collated(cls.name_column(language), language)


class MeetingSeries(Base):
    """A programme's series of meetings (one Programme Board a year, say)."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    programme: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)

    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="series", order_by="Meeting.start_date"
    )


class MeetingStatus(LabelledEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


set_labels(
    MeetingStatus,
    {
        MeetingStatus.DRAFT: _l("Draft"),
        MeetingStatus.PUBLISHED: _l("Published"),
        MeetingStatus.ARCHIVED: _l("Archived"),
    },
)


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting_series.id"), index=True)
    number_in_series: Mapped[int | None]
    title: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    description: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    host_country_code: Mapped[str | None] = mapped_column(sa.ForeignKey("countries.code"))
    host: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    city: Mapped[str] = mapped_column(sa.String(120), default="")
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_address: Mapped[str] = mapped_column(sa.String(300), default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    start_date: Mapped[date]
    end_date: Mapped[date]
    default_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    # The languages its content is written in (a non-empty subset of
    # core.i18n.LANGUAGES, the default among them): content forms ask for these only.
    languages: Mapped[list[str]] = mapped_column(
        sa.JSON,
        default=lambda: list(DEFAULT_LANGUAGES),
        server_default=json.dumps(list(DEFAULT_LANGUAGES)),
    )
    # Shown to participants for questions; empty: the site's sender address.
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    # Who signs the visa letters and certificates.
    signatory_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    signatory_title: Mapped[dict[str, str]] = mapped_column(
        TranslatedText, default=dict, server_default="{}"
    )
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    capacity: Mapped[int | None]
    requires_approval: Mapped[bool] = mapped_column(default=True)
    # Whether an approved participant's own edits go back to the organisers.
    requires_approval_of_changes: Mapped[bool] = mapped_column(default=False)
    # Whether the hosts' desk may approve the walk-ins it registers (otherwise they
    # wait for an organiser, like any registration of a meeting that approves).
    desk_approves_walk_ins: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Seats held by submitted and approved registrations, changed only by the atomic
    # conditional UPDATE in registration/seats.py, so that nobody is ever overbooked.
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    # Badge colour band per participant category ({"un_agency": "#0a66c2", ...}); the
    # defaults in documents/badges.py apply to the categories not set here.
    badge_colours: Mapped[dict[str, str]] = mapped_column(TranslatedText, default=dict)
    # The logo on badges, letters and the booklet: a PNG re-encoded on upload
    # (documents/logo.py). Deferred: loaded only by the documents that show it.
    logo_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    # How long after the last day sensitive fields (passport numbers, phone, dietary
    # and accessibility needs) are kept before `flask privacy purge` deletes them.
    retention_days_after_end: Mapped[int] = mapped_column(default=30, server_default="30")
    # Automatic reminders (messages/reminders.py), each off when empty or None: the
    # days before the first day on which approved participants are reminded (7, 1);
    # how many days before registration closes those with an unfinished visa
    # request are; whether those checked in get their certificate link afterwards.
    reminder_days_before: Mapped[list[int]] = mapped_column(
        sa.JSON, default=list, server_default="[]"
    )
    visa_reminder_days: Mapped[int | None]
    certificate_reminder: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The optional built-in registration fields this meeting does not ask for
    # (questions/services.py HIDEABLE_FIELDS names them).
    hidden_fields: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    # Whether badges carry the photo of the form's photo question.
    photo_on_badges: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Sections a meeting switches on (travel/): arrivals, departures and hotels;
    # requests for travel support and the organisers' decisions.
    travel_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    sponsorship_enabled: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # "in_person", "online" or "hybrid" (each registration then says how the person
    # takes part); whether online participants count against the capacity.
    participation_mode: Mapped[str] = mapped_column(
        sa.String(20), default="in_person", server_default="in_person"
    )
    online_counts_against_capacity: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )
    # Who may register: "both" (anyone, and delegations' focal points), "individual"
    # (anyone), "nominations" (only focal points nominate; the public form says how).
    registration_mode: Mapped[str] = mapped_column(
        sa.String(20), default="both", server_default="both"
    )
    # The official list of participants: the host country's delegation first, or in
    # its alphabetical place.
    host_country_first: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus), default=MeetingStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("end_date >= start_date", name="dates_in_order"),
        sa.CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    series: Mapped[MeetingSeries | None] = relationship(back_populates="meetings")
    host_country: Mapped[Country | None] = relationship()
    delegations: Mapped[list[Delegation]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )
    rooms: Mapped[list[Room]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Room.name"
    )
    sessions: Mapped[list[AgendaSession]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaSession.starts_at"
    )

    @property
    def purge_date(self) -> date:
        """The first day sensitive fields may be purged (in the meeting's time zone)."""
        return self.end_date + timedelta(days=self.retention_days_after_end + 1)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, now: datetime | None = None) -> date:
        """The date where the meeting is held (now, or at `now`): what a check-in
        counts for, and what decides when the meeting is over."""
        return (now or utcnow()).astimezone(self.tz).date()

    def is_over(self, now: datetime | None = None) -> bool:
        """Whether the last day has ended where the meeting is held (certificates
        are issued from then on)."""
        return self.local_date(now) > self.end_date

    def __repr__(self) -> str:
        return f"<Meeting {self.slug}>"
