from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from meeting_app.core.folding import search_text
from meeting_app.core.i18n import LANGUAGE_NAMES
from meeting_app.core.tokens import SELECTOR_LENGTH, new_token, selector_of
from meeting_app.models import Base, LabelledEnum, UTCDateTime, enum_column, set_labels, utcnow

if TYPE_CHECKING:
    from meeting_app.accounts.models import User
    from meeting_app.delegations.models import Delegation, FocalPoint
    from meeting_app.meetings.models import Country, Meeting


def new_badge_code() -> str:
    """What a badge's QR code carries: identifies the badge, reveals nothing else."""
    return secrets.token_urlsafe(12)


class Honorific(LabelledEnum):
    MR = "mr"
    MS = "ms"
    MX = "mx"
    DR = "dr"
    PROF = "prof"
    HE = "he"


set_labels(
    Honorific,
    {
        Honorific.MR: _l("Mr"),
        Honorific.MS: _l("Ms"),
        Honorific.MX: _l("Mx"),
        Honorific.DR: _l("Dr"),
        Honorific.PROF: _l("Prof."),
        Honorific.HE: _l("H.E."),
    },
)


class Category(LabelledEnum):
    NATIONAL_GOVERNMENT = "national_government"
    LOCAL_GOVERNMENT = "local_government"
    UN_AGENCY = "un_agency"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    DONOR = "donor"
    PRIVATE_SECTOR = "private_sector"
    CIVIL_SOCIETY = "civil_society"
    ACADEMIA = "academia"
    MEDIA = "media"
    HOST_STAFF = "host_staff"


set_labels(
    Category,
    {
        Category.NATIONAL_GOVERNMENT: _l("National government"),
        Category.LOCAL_GOVERNMENT: _l("Local government"),
        Category.UN_AGENCY: _l("UN agency"),
        Category.INTERNATIONAL_ORGANISATION: _l("Other international organisation"),
        Category.DONOR: _l("Donor"),
        Category.PRIVATE_SECTOR: _l("Private sector"),
        Category.CIVIL_SOCIETY: _l("Civil society"),
        Category.ACADEMIA: _l("Academia"),
        Category.MEDIA: _l("Media"),
        Category.HOST_STAFF: _l("Host staff"),
    },
)


class ParticipantRole(LabelledEnum):
    HEAD_OF_DELEGATION = "head_of_delegation"
    DELEGATE = "delegate"
    SPEAKER = "speaker"
    OBSERVER = "observer"
    SECRETARIAT = "secretariat"
    PRESS = "press"


set_labels(
    ParticipantRole,
    {
        ParticipantRole.HEAD_OF_DELEGATION: _l("Head of delegation"),
        ParticipantRole.DELEGATE: _l("Delegate"),
        ParticipantRole.SPEAKER: _l("Speaker"),
        ParticipantRole.OBSERVER: _l("Observer"),
        ParticipantRole.SECRETARIAT: _l("Secretariat"),
        ParticipantRole.PRESS: _l("Press"),
    },
)


class RegistrationStatus(LabelledEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


set_labels(
    RegistrationStatus,
    {
        RegistrationStatus.SUBMITTED: _l("Submitted"),
        RegistrationStatus.APPROVED: _l("Approved"),
        RegistrationStatus.WAITLISTED: _l("Waiting list"),
        RegistrationStatus.DECLINED: _l("Declined"),
        RegistrationStatus.CANCELLED: _l("Cancelled"),
    },
)


# Participant.gender's values, self-described and optional ("" is "not said"): only
# for the balance of funded participants that donors ask about (travel/sponsorship.py).
GENDERS = {
    "woman": _l("Woman"),
    "man": _l("Man"),
    "other": _l("Another gender"),
}
NOT_SAID = _l("Not said")

# What a participant gives on the form (and may edit through the private link).
EDITABLE_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "badge_name",
    "email",
    "phone",
    "organisation",
    "position",
    "category",
    "gender",
    "delegation_id",
    "preferred_language",
    "dietary_needs",
    "accessibility_needs",
    "needs_visa_letter",
    "nationality_code",
    "passport_number",
    "consent_public_list",
    "attendance_mode",
)

# Shown to organisers and the participant only, never written into the change log,
# and purged after the meeting (`flask privacy purge`).
PRIVATE_FIELDS = frozenset({"passport_number"})

# Purged once the meeting's retention period is over (privacy/services.py); the
# visa letters, catering and access they serve are then done.
SENSITIVE_FIELDS = ("passport_number", "phone", "dietary_needs", "accessibility_needs")


# Registrations that count against the meeting's capacity and the delegation's limit.
SEAT_HOLDING = frozenset({RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED})


class Participant(Base):
    """One person's registration to one meeting (participants have no account)."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    delegation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("delegations.id", ondelete="SET NULL"), index=True
    )
    honorific: Mapped[Honorific | None] = mapped_column(enum_column(Honorific))
    given_name: Mapped[str] = mapped_column(sa.String(100))
    family_name: Mapped[str] = mapped_column(sa.String(100))
    badge_name: Mapped[str] = mapped_column(sa.String(120))
    # Stored lower-cased, so that one address registers once per meeting.
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    organisation: Mapped[str] = mapped_column(sa.String(200), default="")
    position: Mapped[str] = mapped_column(sa.String(200), default="")
    category: Mapped[Category] = mapped_column(enum_column(Category), index=True)
    # Self-described, optional: "woman", "man", "other", or "" (not said). Only for
    # the balance of funded participants that donors ask about (travel/).
    gender: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")
    role: Mapped[ParticipantRole] = mapped_column(
        enum_column(ParticipantRole), default=ParticipantRole.DELEGATE
    )
    preferred_language: Mapped[str] = mapped_column(sa.String(2), default="en")
    dietary_needs: Mapped[str] = mapped_column(sa.String(300), default="")
    accessibility_needs: Mapped[str] = mapped_column(sa.String(300), default="")
    needs_visa_letter: Mapped[bool] = mapped_column(default=False)
    # For the visa invitation letter.
    nationality_code: Mapped[str | None] = mapped_column(sa.ForeignKey("countries.code"))
    passport_number: Mapped[str] = mapped_column(sa.String(30), default="")
    consent_public_list: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus), default=RegistrationStatus.SUBMITTED, index=True
    )
    # The private link /r/<token>; see core/tokens.py for how it is looked up.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_selector: Mapped[str] = mapped_column(sa.String(SELECTOR_LENGTH), unique=True)
    badge_code: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_badge_code)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Sent to the participant with the decision; kept for the organisers.
    decision_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    # In a hybrid meeting: "in_person" or "online" (no badge, no room seat).
    attendance_mode: Mapped[str] = mapped_column(
        sa.String(20), default="in_person", server_default="in_person"
    )
    # The focal point who nominated the person for their delegation (None: registered
    # themselves, or by the organisers); delegations/accreditation.py.
    nominated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("focal_points.id", ondelete="SET NULL")
    )
    # The member this person replaced (a substitution: the seat passed to them).
    replaces_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="SET NULL")
    )
    # Set when an organiser erased the person (privacy/services.py): the row stays,
    # anonymised, so that counts stay right.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SEARCHED, folded (core/folding.py), for the searches of the list, the desk
    # and the messages: a LIKE on one indexed column, accents and case aside. Kept
    # in step on every write: the default on insert (ORM and bulk INSERTs alike),
    # `_refold` below on an ORM update.
    search_text: Mapped[str] = mapped_column(
        sa.Text, default=lambda context: _search_text_of(context), server_default=""
    )

    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "email", name="uq_participants_meeting_email"),
        # The organisers' list: one index per order it offers, so that a page is
        # read from the index in order rather than sorted from the whole meeting.
        sa.Index("ix_participants_meeting_created", "meeting_id", "created_at", "id"),
        # By name, the list sorts in the reader's language (core/collation.py):
        # one index per language, in its collation on PostgreSQL (given as the
        # column's "ops", which PostgreSQL reads as `family_name COLLATE "fr-x-icu"`;
        # an expression index would not be reflected as it is written). SQLite has
        # the app's collations only on the app's own connections: plain columns there.
        *(
            sa.Index(
                f"ix_participants_meeting_name_{language}",
                "meeting_id",
                "family_name",
                "given_name",
                "id",
                postgresql_ops={
                    "family_name": f'COLLATE "{language}-x-icu"',
                    "given_name": f'COLLATE "{language}-x-icu"',
                },
            )
            for language in sorted(LANGUAGE_NAMES)
        ),
        # The list's counts per status: read from the index alone.
        sa.Index("ix_participants_meeting_status", "meeting_id", "status"),
        # Infix LIKE on PostgreSQL (pg_trgm); on SQLite a plain index nobody uses
        # for it, kept so that both databases have the same schema.
        sa.Index(
            "ix_participants_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    delegation: Mapped[Delegation | None] = relationship(
        back_populates="members", foreign_keys=[delegation_id]
    )
    nationality: Mapped[Country | None] = relationship()
    nominated_by: Mapped[FocalPoint | None] = relationship(foreign_keys=[nominated_by_id])
    replaces: Mapped[Participant | None] = relationship(
        remote_side="Participant.id", foreign_keys=[replaces_id]
    )
    changes: Mapped[list[RegistrationChange]] = relationship(
        back_populates="participant",
        cascade="all, delete-orphan",
        order_by="RegistrationChange.at.desc(), RegistrationChange.id.desc()",
    )

    def __init__(self, **values):
        values.setdefault("token", new_token())
        super().__init__(**values)

    @validates("token")
    def _set_selector(self, _key, token: str) -> str:
        self.token_selector = selector_of(token)
        return token

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING

    @property
    def takes_part_online(self) -> bool:
        """See registration/participation.py (the one definition)."""
        from meeting_app.registration.participation import is_online

        return is_online(self)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def __repr__(self) -> str:
        return f"<Participant {self.id} {self.email}>"


# The fields a search looks in (Participant.search_text), in this order.
SEARCHED = ("given_name", "family_name", "badge_name", "email", "organisation")


def _search_text_of(context) -> str:
    """Participant.search_text of a row being inserted, from its own values."""
    values = context.get_current_parameters()
    return search_text(values.get(field) for field in SEARCHED)


@sa.event.listens_for(Participant, "before_update")
def _refold(_mapper, _connection, participant: Participant) -> None:
    """An ORM update of a searched field (an edit, an erasure) folds them again."""
    state = sa.inspect(participant)
    if any(state.attrs[field].history.has_changes() for field in SEARCHED):
        participant.search_text = search_text(getattr(participant, f) for f in SEARCHED)


def entitled_to_letter(participant: Participant) -> bool:
    """A visa invitation letter: asked for, and the registration approved."""
    return participant.status is RegistrationStatus.APPROVED and participant.needs_visa_letter


class RegistrationChange(Base):
    """One change to a registration: who made it, when, from what to what."""

    __tablename__ = "registration_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the participant (or the system, e.g. a waiting-list promotion) made it.
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(sa.String(20), default="participant")
    from_status: Mapped[RegistrationStatus | None] = mapped_column(enum_column(RegistrationStatus))
    to_status: Mapped[RegistrationStatus | None] = mapped_column(enum_column(RegistrationStatus))
    # What else changed, as "field: old → new" lines, or a note such as the reason.
    details: Mapped[str] = mapped_column(sa.Text, default="")

    participant: Mapped[Participant] = relationship(back_populates="changes")
    by_user: Mapped[User | None] = relationship()
