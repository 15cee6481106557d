"""Sponsored participation (issue 18): a participant's request for travel support,
the organisers' decision (e-mailed in the person's language), the ticket and the
daily subsistence allowance (DSA) of those funded, and the balance donors ask
about: the funded per delegation, gender and category, with the DSA per currency.

Organisers only: nothing here is read by a public page or list. Operations change
data, flush and audit what staff do; the caller commits once."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
from babel.numbers import list_currencies
from flask_babel import force_locale, gettext, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from meeting_app.core.collation import collated, sort_key
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.mail import texts
from meeting_app.meetings.models import Country, Meeting, MeetingStatus
from meeting_app.models import utcnow
from meeting_app.privacy import audit
from meeting_app.registration import exports
from meeting_app.registration import models as registration_models
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from meeting_app.registration.queries import OTHER_DELEGATION
from meeting_app.registration.services import mail_values
from meeting_app.travel.models import FundingDecision, Sponsorship

S = RegistrationStatus
D = FundingDecision

# Who may ask: a registration still alive (not declined, not cancelled).
MAY_ASK = frozenset({S.SUBMITTED, S.APPROVED, S.WAITLISTED})
# What the report counts, and who gets a ticket and an allowance.
FUNDED = (D.FUNDED, D.PARTLY_FUNDED)
# What organisers decide (a request starts pending).
DECISIONS = (D.FUNDED, D.PARTLY_FUNDED, D.NOT_FUNDED)
# A note is owed to the person not funded (why), and "partly" means nothing
# without saying which part.
NOTE_REQUIRED = frozenset({D.PARTLY_FUNDED, D.NOT_FUNDED})
MAIL_KEYS = {
    D.FUNDED: "sponsorship_funded",
    D.PARTLY_FUNDED: "sponsorship_partly_funded",
    D.NOT_FUNDED: "sponsorship_not_funded",
}
NOTE_MAX = 2000
REFERENCE_MAX = 100  # the column's length
DAYS_MAX = 366
RATE_MAX = Decimal("99999999.99")  # Numeric(10, 2)
CURRENCY = re.compile(r"[A-Z]{3}")
# ISO 4217 codes as Babel's CLDR data knows them (about 300, historic ones included).
CURRENCIES = frozenset(list_currencies())

# Participant.gender's values, as the report labels them ("" is "not said").
GENDERS = {**registration_models.GENDERS, "": registration_models.NOT_SAID}


class SponsorshipError(Exception):
    """Bad input or a step out of order: `code` says which, `field` where."""

    def __init__(self, code: str, field: str = ""):
        super().__init__(code)
        self.code, self.field = code, field


MESSAGES = {
    "not_offered": _l("Travel support cannot be asked for with this registration."),
    "decided": _l("The organisers have decided on your request already: it cannot change."),
    "not_pending": _l("Only a request awaiting a decision can be withdrawn."),
    "note_missing": _l("Say why you ask for support and what you need."),
    "note_too_long": lazy_ngettext(
        "At most %(num)d character.", "At most %(num)d characters.", NOTE_MAX
    ),
    "decision_unknown": _l("Choose funded, partly funded or not funded."),
    "note_required": _l(
        "Write a note to the person: which part is funded, or why it is not funded."
    ),
    "not_funded": _l("Record the ticket and allowance of a funded person only."),
    "days": _l("Enter a number of days from 0 to %(num)d.", num=DAYS_MAX),
    "rate": _l("Enter a daily rate of 0 or more (at most two decimals)."),
    "currency": _l("Enter the currency's three-letter ISO 4217 code, such as USD, EUR or XOF."),
    "reference_length": lazy_ngettext(
        "At most %(num)d character.", "At most %(num)d characters.", REFERENCE_MAX
    ),
    "reference_control": _l("Remove the invisible control characters from this field."),
}


def message(error: SponsorshipError) -> str:
    return str(MESSAGES.get(error.code, error.code))


# --- The participant's side -------------------------------------------------------------


def sponsorship_of(participant: Participant) -> Sponsorship | None:
    return db.session.execute(
        sa.select(Sponsorship).filter_by(participant_id=participant.id)
    ).scalar_one_or_none()


def offered(meeting: Meeting) -> bool:
    """Whether the meeting takes requests now: switched on, and not over."""
    return meeting.sponsorship_enabled and meeting.status is not MeetingStatus.ARCHIVED


def may_ask(participant: Participant, sponsorship: Sponsorship | None) -> bool:
    """Whether the person may send a request, or change the one awaiting a decision."""
    return (
        offered(participant.meeting)
        and participant.status in MAY_ASK
        and participant.erased_at is None
        and (sponsorship is None or sponsorship.decision is D.PENDING)
    )


def may_withdraw(participant: Participant, sponsorship: Sponsorship | None) -> bool:
    return (
        sponsorship is not None
        and sponsorship.decision is D.PENDING
        and participant.meeting.status is not MeetingStatus.ARCHIVED
    )


def request_support(participant: Participant, note: str) -> Sponsorship:
    """The person's request with their note (why, what they need), or the new note of
    their request awaiting a decision. Raises SponsorshipError."""
    sponsorship = sponsorship_of(participant)
    if sponsorship is not None and sponsorship.decision is not D.PENDING:
        raise SponsorshipError("decided")
    if not may_ask(participant, sponsorship):
        raise SponsorshipError("not_offered")
    note = note.strip()
    if not note:
        raise SponsorshipError("note_missing", "note")
    if len(note) > NOTE_MAX:
        raise SponsorshipError("note_too_long", "note")
    if sponsorship is None:
        sponsorship = Sponsorship(participant=participant, request_note=note)
        db.session.add(sponsorship)
    else:
        sponsorship.request_note = note
    db.session.flush()
    return sponsorship


def withdraw(participant: Participant) -> None:
    """Takes back a request awaiting a decision (the person may ask again)."""
    sponsorship = sponsorship_of(participant)
    if not may_withdraw(participant, sponsorship):
        raise SponsorshipError("not_pending")
    db.session.delete(sponsorship)
    db.session.flush()


# --- The organisers' side ---------------------------------------------------------------


def set_enabled(meeting: Meeting, enabled: bool, *, by_user) -> bool:
    """Switches the section on or off; False if it already was so. Switching off
    takes no new requests; those made stay, with their decisions."""
    if meeting.sponsorship_enabled == enabled:
        return False
    meeting.sponsorship_enabled = enabled
    db.session.flush()
    audit.record(
        "sponsorship.switched", user=by_user, meeting=meeting, details="on" if enabled else "off"
    )
    return True


def decide(participant: Participant, decision: FundingDecision, note: str, *, by_user) -> bool:
    """Records the organisers' decision with its note, and e-mails it to the person
    in their language. A person who did not ask may be decided on too (a request
    made by letter, a delegate the programme funds anyway). False, and no mail, when
    neither the decision nor the note changes. Raises SponsorshipError."""
    if decision not in DECISIONS:
        raise SponsorshipError("decision_unknown", "decision")
    note = note.strip()
    if decision in NOTE_REQUIRED and not note:
        raise SponsorshipError("note_required", "note")
    if len(note) > NOTE_MAX:
        raise SponsorshipError("note_too_long", "note")
    sponsorship = sponsorship_of(participant)
    if sponsorship is None:
        sponsorship = Sponsorship(participant=participant, request_note="")
        db.session.add(sponsorship)
    elif sponsorship.decision is decision and sponsorship.decision_note == note:
        return False
    before = sponsorship.decision or D.PENDING
    sponsorship.decision = decision
    sponsorship.decision_note = note
    sponsorship.decided_at = utcnow()
    sponsorship.decided_by = by_user.email if by_user is not None else ""
    db.session.flush()
    audit.record(
        "sponsorship.decided",
        user=by_user,
        participant=participant,
        details=f"{before.value} → {decision.value}",
    )
    if participant.erased_at is None:
        _mail_decision(participant, decision, note)
    return True


def _mail_decision(participant: Participant, decision: FundingDecision, note: str) -> None:
    language = participant.preferred_language
    values = mail_values(participant)
    with force_locale(language):
        values["note"] = gettext("Note from the organisers:") + "\n" + note if note else ""
    texts.queue(
        participant.email,
        MAIL_KEYS[decision],
        language,
        values,
        kind=f"sponsorship:{decision.value}",
        meeting=participant.meeting,
        participant=participant,
    )


@dataclass(frozen=True)
class FollowUp:
    """The ticket and the daily subsistence allowance of a funded person."""

    ticket_issued: bool = False
    ticket_reference: str = ""
    dsa_days: int | None = None
    dsa_rate: Decimal | None = None
    currency: str = "USD"
    paid: bool = False


def problems(values: FollowUp) -> list[SponsorshipError]:
    """What keeps a follow-up from being saved (the form checks the same, per field)."""
    found = []
    if values.dsa_days is not None and not 0 <= values.dsa_days <= DAYS_MAX:
        found.append(SponsorshipError("days", "dsa_days"))
    rate = values.dsa_rate
    if rate is not None and (
        not rate.is_finite() or not 0 <= rate <= RATE_MAX or rate != rate.quantize(Decimal("0.01"))
    ):
        found.append(SponsorshipError("rate", "dsa_rate"))
    if not CURRENCY.fullmatch(values.currency) or values.currency not in CURRENCIES:
        found.append(SponsorshipError("currency", "currency"))
    reference = values.ticket_reference
    if len(reference) > REFERENCE_MAX:
        found.append(SponsorshipError("reference_length", "ticket_reference"))
    if any(unicodedata.category(c) == "Cc" for c in reference):
        found.append(SponsorshipError("reference_control", "ticket_reference"))
    return found


FOLLOW_UP_FIELDS = ("ticket_issued", "ticket_reference", "dsa_days", "dsa_rate", "currency", "paid")


def update_follow_up(participant: Participant, values: FollowUp, *, by_user) -> list[str]:
    """Stores a funded person's ticket and allowance; returns the names of the fields
    changed (audited without their values). Raises SponsorshipError."""
    sponsorship = sponsorship_of(participant)
    if sponsorship is None or sponsorship.decision not in FUNDED:
        raise SponsorshipError("not_funded")
    found = problems(values)
    if found:
        raise found[0]
    changed = []
    for name in FOLLOW_UP_FIELDS:
        value = getattr(values, name)
        if getattr(sponsorship, name) != value:
            setattr(sponsorship, name, value)
            changed.append(name)
    if changed:
        db.session.flush()
        audit.record(
            "sponsorship.updated", user=by_user, participant=participant, details=", ".join(changed)
        )
    return changed


@dataclass(frozen=True)
class Filters:
    decision: FundingDecision | None = None
    delegation: str = ""  # a delegation id, "other" (none), or "" (all)

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """From the query string; unknown values are ignored rather than failing."""
        try:
            decision = FundingDecision(args.get("decision", "")) if args.get("decision") else None
        except ValueError:
            decision = None
        delegation = args.get("delegation", "")
        if delegation != OTHER_DELEGATION and not (delegation.isascii() and delegation.isdigit()):
            delegation = ""
        return cls(decision, delegation)

    def as_args(self) -> dict[str, str]:
        args = {
            "decision": self.decision.value if self.decision else "",
            "delegation": self.delegation,
        }
        return {key: value for key, value in args.items() if value}


def requests_query(meeting: Meeting, filters: Filters) -> sa.Select:
    """The meeting's requests and decisions matching `filters`, by the person's name
    in the reader's alphabetical order, with their delegation loaded."""
    query = (
        sa.select(Sponsorship)
        .join(Sponsorship.participant)
        .where(Participant.meeting_id == meeting.id)
        .options(
            joinedload(Sponsorship.participant)
            .joinedload(Participant.delegation)
            .joinedload(Delegation.country)
        )
        .order_by(
            collated(Participant.family_name), collated(Participant.given_name), Sponsorship.id
        )
    )
    if filters.decision:
        query = query.where(Sponsorship.decision == filters.decision)
    if filters.delegation == OTHER_DELEGATION:
        query = query.where(Participant.delegation_id.is_(None))
    elif filters.delegation:
        query = query.where(Participant.delegation_id == int(filters.delegation))
    return query


def decision_counts(meeting: Meeting) -> dict[FundingDecision, int]:
    return dict(
        db.session.execute(
            sa.select(Sponsorship.decision, sa.func.count())
            .join(Sponsorship.participant)
            .where(Participant.meeting_id == meeting.id)
            .group_by(Sponsorship.decision)
        ).all()
    )


# --- The report: the balance donors ask about -----------------------------------------


@dataclass
class Line:
    """One group of funded people: how many, and their allowances per currency."""

    label: str
    last: bool = False  # "not said", "no delegation": after the others
    funded: int = 0
    partly_funded: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    paid: dict[str, Decimal] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return self.funded + self.partly_funded

    def add(self, decision: FundingDecision, amount: Decimal | None, currency: str, paid: bool):
        if decision is D.FUNDED:
            self.funded += 1
        else:
            self.partly_funded += 1
        if amount is not None:
            self.amounts[currency] = self.amounts.get(currency, Decimal(0)) + amount
            if paid:
                self.paid[currency] = self.paid.get(currency, Decimal(0)) + amount


@dataclass
class Report:
    currencies: list[str]
    delegations: list[Line]
    genders: list[Line]
    categories: list[Line]
    total: Line

    def sections(self) -> list[tuple[str, str, list[Line]]]:
        """(what the lines are grouped by, a heading, the lines), in the current locale."""
        return [
            (gettext("Delegation"), gettext("Per delegation"), self.delegations),
            (gettext("Gender"), gettext("Per gender"), self.genders),
            (gettext("Category"), gettext("Per category"), self.categories),
        ]


def report(meeting: Meeting, language: str) -> Report:
    """The funded and partly funded people of `meeting` per delegation, gender and
    category, with their allowances' totals (days × rate) per currency, labelled and
    sorted in `language`. Whoever has a funding decision counts, whatever their
    registration's status: a ticket bought for someone who cancelled was spent."""
    rows = db.session.execute(
        sa.select(
            Sponsorship.decision,
            Sponsorship.dsa_days,
            Sponsorship.dsa_rate,
            Sponsorship.currency,
            Sponsorship.paid,
            Participant.delegation_id,
            Country.name_column(language),
            Participant.gender,
            Participant.category,
        )
        .join(Sponsorship.participant)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .outerjoin(Country, Country.code == Delegation.country_code)
        .where(Participant.meeting_id == meeting.id, Sponsorship.decision.in_(FUNDED))
    ).all()
    with force_locale(language):
        no_delegation = gettext("International organisation / other")
        genders = {key: str(label) for key, label in GENDERS.items()}
        total = Line(gettext("All funded participants"))
        by: dict[str, dict] = {"delegation": {}, "gender": {}, "category": {}}
        for decision, days, rate, currency, paid, delegation_id, country, gender, category in rows:
            amount = rate * days if days is not None and rate is not None else None
            keys = {
                "delegation": (delegation_id, country or no_delegation, delegation_id is None),
                "gender": (gender, genders.get(gender, gender), not gender),
                "category": (category, Category(category).label, False),
            }
            for name, (key, label, last) in keys.items():
                line = by[name].setdefault(key, Line(label, last))
                line.add(decision, amount, currency, paid)
            total.add(decision, amount, currency, paid)
    order = sort_key(language)

    def ordered(lines: Iterable[Line]) -> list[Line]:
        return sorted(lines, key=lambda line: (line.last, order(line.label)))

    return Report(
        currencies=sorted(total.amounts),
        delegations=ordered(by["delegation"].values()),
        genders=ordered(by["gender"].values()),
        categories=ordered(by["category"].values()),
        total=total,
    )


def report_table(data: Report, language: str) -> tuple[list[str], list[list]]:
    """The report as one table (a column says what each line is grouped by), its
    headings in `language`; amounts as numbers, an empty cell where there is none."""
    with force_locale(language):
        header = [
            gettext("Grouped by"),
            gettext("Group"),
            gettext("Funded"),
            gettext("Partly funded"),
            gettext("People funded"),
        ]
        for currency in data.currencies:
            header += [
                gettext("DSA total (%(currency)s)", currency=currency),
                gettext("DSA paid (%(currency)s)", currency=currency),
            ]
        sections = [*data.sections(), (gettext("Total"), "", [data.total])]
    rows = []
    for grouped_by, _heading, lines in sections:
        for line in lines:
            row = [grouped_by, line.label, line.funded, line.partly_funded, line.people]
            for currency in data.currencies:
                row += [line.amounts.get(currency), line.paid.get(currency)]
            rows.append(row)
    return header, rows


def report_file(data: Report, fmt: str, language: str, title: str, delimiter: str = ",") -> bytes:
    """The report as CSV (amounts written as 1500.00) or XLSX (number cells)."""
    header, rows = report_table(data, language)
    if fmt == "xlsx":
        rows = [[float(c) if isinstance(c, Decimal) else c for c in row] for row in rows]
    return exports.spreadsheet(fmt, header, rows, title, delimiter)


# --- What privacy/ needs ----------------------------------------------------------------


def personal_data(participant: Participant) -> dict | None:
    """The person's request and what was decided, for their data download (None
    without a request). Who decided is staff's data, not theirs."""
    sponsorship = sponsorship_of(participant)
    if sponsorship is None:
        return None

    def moment(value):
        return value.isoformat() if value is not None else None

    def number(value):
        return str(value) if value is not None else None

    return {
        "requested_at": moment(sponsorship.requested_at),
        "request_note": sponsorship.request_note,
        "decision": sponsorship.decision.value,
        "decision_note": sponsorship.decision_note,
        "decided_at": moment(sponsorship.decided_at),
        "ticket_issued": sponsorship.ticket_issued,
        "ticket_reference": sponsorship.ticket_reference,
        "dsa_days": sponsorship.dsa_days,
        "dsa_rate": number(sponsorship.dsa_rate),
        "currency": sponsorship.currency,
        "dsa_amount": number(sponsorship.dsa_amount),
        "paid": sponsorship.paid,
    }


def forget_texts(participant: Participant) -> None:
    """For erasure: the texts that may tell about the person go; the decision and
    the amounts stay, so that the donors' balance stays as it was."""
    db.session.execute(
        sa.update(Sponsorship)
        .where(Sponsorship.participant_id == participant.id)
        .values(request_note="", decision_note="", ticket_reference="")
    )
