"""The meeting's decisions and action points: the working list (text per language,
owner, due date, status, an order), and its publication in numbered versions with
what changed from one to the next (added, changed, removed, status changes)."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.outcomes import services
from meeting_app.outcomes.models import Decision, DecisionStatus, OutcomeVersion


@dataclass(frozen=True)
class DecisionInput:
    text: dict[str, str]
    owner: str
    due_date: date | None
    status: DecisionStatus


def decisions_of(meeting: Meeting) -> list[Decision]:
    return list(
        db.session.execute(
            db.select(Decision)
            .where(Decision.meeting_id == meeting.id)
            .order_by(Decision.position, Decision.id)
        ).scalars()
    )


def _apply(decision: Decision, data: DecisionInput) -> None:
    decision.text = {lang: value.strip() for lang, value in data.text.items() if value.strip()}
    decision.owner = data.owner.strip()
    decision.due_date = data.due_date
    decision.status = data.status


def add(meeting: Meeting, data: DecisionInput) -> Decision:
    """A new decision at the end of the list."""
    last = db.session.scalar(
        db.select(sa.func.max(Decision.position)).where(Decision.meeting_id == meeting.id)
    )
    decision = Decision(meeting_id=meeting.id, position=(last or 0) + 1)
    _apply(decision, data)
    db.session.add(decision)
    db.session.flush()
    return decision


def update(decision: Decision, data: DecisionInput) -> Decision:
    _apply(decision, data)
    db.session.flush()
    return decision


def delete(decision: Decision) -> None:
    """Takes it off the working list (published versions keep it)."""
    db.session.delete(decision)
    db.session.flush()


def move(decision: Decision, direction: str) -> bool:
    """Swaps it with its neighbour ("up" or "down"); False at either end. Positions
    are numbered again from 1, so that equal or missing ones cannot stick."""
    listed = decisions_of(db.session.get(Meeting, decision.meeting_id))
    index = listed.index(decision)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(listed):
        return False
    listed[index], listed[other] = listed[other], listed[index]
    for position, item in enumerate(listed, start=1):
        item.position = position
    db.session.flush()
    return True


# ---------- publishing ----------


def _item(decision: Decision) -> dict:
    return {
        "id": decision.id,
        # With the id, what tells a decision apart from a later one that took the id
        # of a deleted one (SQLite reuses the highest id).
        "created_at": decision.created_at.isoformat() if decision.created_at else "",
        "text": dict(decision.text or {}),
        "owner": decision.owner,
        "due_date": decision.due_date.isoformat() if decision.due_date else None,
        "status": decision.status.value,
    }


def snapshot(meeting: Meeting) -> dict:
    return {"items": [_item(d) for d in decisions_of(meeting)]}


def publish(meeting: Meeting, audience: str, user) -> OutcomeVersion:
    """The working list as the next version of the decisions. An empty list is
    refused (OutcomeError "empty") unless one was published before (all withdrawn)."""
    current = snapshot(meeting)
    if not current["items"] and services.latest(meeting, services.DECISIONS) is None:
        raise services.OutcomeError("empty")
    return services.publish(meeting, services.DECISIONS, current, audience, user)


@dataclass(frozen=True)
class Item:
    """A decision as a version holds it, ready for the pages."""

    id: int
    text: dict
    owner: str
    due_date: date | None
    status: DecisionStatus
    key: str = ""

    @classmethod
    def of(cls, data: dict) -> "Item":
        return cls(
            id=data["id"],
            key=f"{data['id']}@{data.get('created_at', '')}",
            text=data.get("text") or {},
            owner=data.get("owner") or "",
            due_date=date.fromisoformat(data["due_date"]) if data.get("due_date") else None,
            status=DecisionStatus(data.get("status", DecisionStatus.OPEN.value)),
        )


def items(version: OutcomeVersion | None) -> list[Item]:
    return [Item.of(data) for data in (version.snapshot.get("items", []) if version else [])]


@dataclass(frozen=True)
class Change:
    change: str  # "added", "changed", "status" or "removed"
    item: Item
    before: Item | None = None
    fields: tuple[str, ...] = ()  # what changed ("text", "owner", "due_date")


def changes(old: dict | None, new: dict) -> list[Change]:
    """From `old`'s list to `new`'s: items added, changed (text, owner, due date),
    whose status changed (before → after), and removed; in `new`'s order, the
    removed ones last."""
    before = {item.key: item for item in map(Item.of, (old or {}).get("items", []))}
    result: list[Change] = []
    after_ids = set()
    for data in new.get("items", []):
        item = Item.of(data)
        after_ids.add(item.key)
        previous = before.get(item.key)
        if previous is None:
            result.append(Change("added", item))
            continue
        fields = tuple(
            name
            for name in ("text", "owner", "due_date")
            if getattr(previous, name) != getattr(item, name)
        )
        if fields:
            result.append(Change("changed", item, previous, fields))
        if previous.status != item.status:
            result.append(Change("status", item, previous))
    result += [
        Change("removed", item) for item_id, item in before.items() if item_id not in after_ids
    ]
    return result
