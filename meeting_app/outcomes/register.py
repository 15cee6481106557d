"""The attendance register: who was checked in at the door on each day of the
meeting, per delegation (people of no delegation per category), and the
secretariat's sign-offs of it.

A day is the meeting's local date the check-in was recorded for (desk/services.py
records `Meeting.local_date`); only standing check-ins count (an undone one is a
record, not an attendance), and only on the meeting's days. A sign-off keeps the
figures it signed (per day and group, the people present, their countries) as they
were: a later sign-off shows what changed since, and the communiqué's facts read
the latest one."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from meeting_app.core.collation import sort_key
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.desk.services import meeting_days
from meeting_app.extensions import db
from meeting_app.meetings.models import Country, Meeting
from meeting_app.outcomes.models import AttendanceSignOff
from meeting_app.privacy import audit
from meeting_app.registration.models import Category, Participant

NAME_MAX = 200
NOTE_MAX = 1000


class RegisterError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Person:
    id: int
    family_name: str
    given_name: str
    days: set[date] = field(default_factory=set)


@dataclass
class Group:
    """A delegation (`country_code`) or, for people of no delegation, a category."""

    key: str
    label: str
    country_code: str | None
    category: str | None
    people: list[Person] = field(default_factory=list)

    def count(self, day: date) -> int:
        return sum(1 for p in self.people if day in p.days)


@dataclass
class Register:
    meeting: Meeting
    days: list[date]
    groups: list[Group]

    def total(self, day: date) -> int:
        return sum(g.count(day) for g in self.groups)

    @property
    def present(self) -> int:
        """People checked in on at least one day."""
        return sum(len(g.people) for g in self.groups)

    @property
    def countries(self) -> list[str]:
        return sorted({g.country_code for g in self.groups if g.country_code})


def group_label(country_code: str | None, category: str | None, language: str, names=None) -> str:
    if country_code:
        names = names if names is not None else _country_names([country_code], language)
        return names.get(country_code, country_code)
    try:
        return _("No delegation: %(category)s", category=Category(category).label)
    except ValueError:
        return _("No delegation")


def _country_names(codes, language: str) -> dict[str, str]:
    if not codes:
        return {}
    return {
        c.code: c.name(language)
        for c in db.session.execute(db.select(Country).where(Country.code.in_(list(codes))))
        .scalars()
        .all()
    }


def build(meeting: Meeting, language: str) -> Register:
    """The register as it stands, in one query whatever the number of check-ins."""
    days = meeting_days(meeting)
    people: dict[int, Person] = {}
    keys: dict[int, tuple[str | None, str]] = {}
    for row in db.session.execute(
        db.select(
            Participant.id,
            Participant.family_name,
            Participant.given_name,
            Participant.category,
            Delegation.country_code,
            CheckIn.day,
        )
        .join(CheckIn, CheckIn.participant_id == Participant.id)
        .outerjoin(Delegation, Delegation.id == Participant.delegation_id)
        .where(
            Participant.meeting_id == meeting.id,
            CheckIn.cancelled_at.is_(None),
            CheckIn.day.between(meeting.start_date, meeting.end_date),
        )
    ):
        person = people.get(row.id)
        if person is None:
            person = people[row.id] = Person(row.id, row.family_name, row.given_name)
            keys[row.id] = (row.country_code, row.category.value)
        person.days.add(row.day)
    names = _country_names({code for code, _c in keys.values() if code}, language)
    groups: dict[str, Group] = {}
    for person_id, (code, category) in keys.items():
        key = f"delegation:{code}" if code else f"category:{category}"
        group = groups.get(key)
        if group is None:
            group = groups[key] = Group(
                key,
                group_label(code, category, language, names),
                code,
                None if code else category,
            )
        group.people.append(people[person_id])
    collate = sort_key(language)
    for group in groups.values():
        group.people.sort(key=lambda p: (collate(p.family_name), collate(p.given_name), p.id))
    categories = [c.value for c in Category]
    ordered = sorted(
        (g for g in groups.values() if g.country_code),
        key=lambda g: collate(g.label),
    ) + sorted(
        (g for g in groups.values() if not g.country_code),
        key=lambda g: categories.index(g.category) if g.category in categories else 99,
    )
    return Register(meeting, days, ordered)


# ---------- figures and sign-offs ----------


def figures(register: Register) -> dict:
    """The register's figures, language-free, as a sign-off keeps them."""
    return {
        "days": [d.isoformat() for d in register.days],
        "groups": [
            {
                "key": g.key,
                "country_code": g.country_code,
                "category": g.category,
                "counts": {d.isoformat(): g.count(d) for d in register.days},
                "people": len(g.people),
            }
            for g in register.groups
        ],
        "totals": {d.isoformat(): register.total(d) for d in register.days},
        "participants": register.present,
        "countries": register.countries,
    }


@dataclass(frozen=True)
class FigureChange:
    label: str
    day: date | None  # None: the number of people present on any day
    before: int
    after: int

    @property
    def difference(self) -> int:
        return self.after - self.before


def figure_changes(old: dict | None, new: dict, language: str) -> list[FigureChange]:
    """What changed from `old` figures to `new` ones: each group's count per day that
    differs, then the total per day and the number of people present."""
    old = old or {}
    before = {g["key"]: g for g in old.get("groups", [])}
    after = {g["key"]: g for g in new.get("groups", [])}
    days = sorted(set(old.get("days", [])) | set(new.get("days", [])))
    order = [g["key"] for g in new.get("groups", [])] + [k for k in before if k not in after]
    codes = {g.get("country_code") for g in [*before.values(), *after.values()]} - {None}
    names = _country_names(codes, language)
    result: list[FigureChange] = []
    for key in order:
        group = after.get(key) or before[key]
        label = group_label(group.get("country_code"), group.get("category"), language, names)
        for day in days:
            was = (before.get(key) or {}).get("counts", {}).get(day, 0)
            now = (after.get(key) or {}).get("counts", {}).get(day, 0)
            if was != now:
                result.append(FigureChange(label, date.fromisoformat(day), was, now))
    for day in days:
        was, now = old.get("totals", {}).get(day, 0), new.get("totals", {}).get(day, 0)
        if was != now:
            result.append(FigureChange(_("Total"), date.fromisoformat(day), was, now))
    if old.get("participants", 0) != new.get("participants", 0):
        result.append(
            FigureChange(
                _("People present on at least one day"),
                None,
                old.get("participants", 0),
                new.get("participants", 0),
            )
        )
    return result


def sign_offs(meeting: Meeting) -> list[AttendanceSignOff]:
    """Newest first."""
    return list(
        db.session.execute(
            db.select(AttendanceSignOff)
            .where(AttendanceSignOff.meeting_id == meeting.id)
            .order_by(AttendanceSignOff.signed_at.desc(), AttendanceSignOff.id.desc())
        ).scalars()
    )


def latest_sign_off(meeting: Meeting) -> AttendanceSignOff | None:
    found = sign_offs(meeting)
    return found[0] if found else None


def sign_off(meeting: Meeting, user, name: str, note: str = "", language: str = "en"):
    """Records the secretariat's sign-off of the register as it stands now, under the
    name typed (the account's e-mail when none is). Raises RegisterError
    "nobody" when nobody has been checked in on the meeting's days."""
    register = build(meeting, language)
    if not register.present:
        raise RegisterError("nobody")
    name = (name or "").strip() or (user.email if user is not None else "")
    record = AttendanceSignOff(
        meeting_id=meeting.id,
        signed_by_name=name[:NAME_MAX],
        signed_by_user_id=user.id if user is not None else None,
        figures=figures(register),
        note=(note or "").strip()[:NOTE_MAX],
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "attendance.signed_off",
        user=user,
        meeting=meeting,
        details=f"{register.present} people present",
    )
    return record
