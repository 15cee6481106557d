from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meeting_app.models import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from meeting_app.accounts.models import User


class BadgePrint(Base):
    """A badge printed for a participant: the first print, then every reprint."""

    __tablename__ = "badge_prints"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    printed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    layout: Mapped[str] = mapped_column(sa.String(20))
    reprint: Mapped[bool] = mapped_column(default=False)

    by_user: Mapped[User | None] = relationship()


class BadgeRender(Base):
    """A participant's badge, rendered ahead of printing: one page at the badge's
    size, which sheets of badges are assembled from (see imposition.py).

    A cache, never the record of anything: `digest` sums up everything drawn on the
    badge (see badges._plan), and a badge whose digest has changed is drawn again."""

    __tablename__ = "badge_renders"
    __table_args__ = (sa.UniqueConstraint("participant_id", "format", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        sa.ForeignKey("participants.id", ondelete="CASCADE")
    )
    format: Mapped[str] = mapped_column(sa.String(10))  # see badges.FORMATS
    language: Mapped[str] = mapped_column(sa.String(5))
    digest: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BadgeDrawing(Base):
    """Who is drawing a meeting's badges ahead in a format and language (documents.
    draw_ahead): one task at a time, whatever the number of workers and servers.

    `claimed_at` is set by the task that draws (a conditional update: one wins);
    another one arriving meanwhile sets `again` instead, and the drawer goes round
    once more. A claim older than a drawing's time limit is a dead worker's."""

    __tablename__ = "badge_drawings"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "format", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(sa.String(10))
    language: Mapped[str] = mapped_column(sa.String(5))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    again: Mapped[bool] = mapped_column(default=False)


class RenderJob(Base):
    """A long render (a badge print, every letter or certificate), done by tasks on any
    worker while the browser follows it from any server: its state, progress and
    result live here. Only the user who started it may follow or download it.

    A chunked job is split into `parts` tasks; each adds what it did to `done` and
    one to `parts_done` in one UPDATE, and the one that brings `parts_done` to
    `parts` starts the assembly. Every step refreshes `heartbeat_at`: a job whose
    heartbeat is older than RENDER_HEARTBEAT_SECONDS has lost its worker and is
    marked failed (by the poll or the sweep), and the tasks still queued for it then
    do nothing."""

    __tablename__ = "render_jobs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)  # secret, random
    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))  # badges, letters, certificates
    parameters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    parts: Mapped[int] = mapped_column(default=0)
    parts_started: Mapped[int] = mapped_column(default=0)
    parts_done: Mapped[int] = mapped_column(default=0)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it failed: "render" (a document could not be drawn), "stopped" (its worker
    # died or never came), "error"; `error` holds the detail, for the logs.
    failure: Mapped[str] = mapped_column(sa.String(20), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    filename: Mapped[str] = mapped_column(sa.String(200))
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)


class RenderJobPart(Base):
    """A chunk of a job that is done: its PDF (letters, joined at the end) or none
    (badges, kept as BadgeRender rows). One row per chunk: a chunk task delivered
    twice (its worker died after its commit) counts once."""

    __tablename__ = "render_job_parts"
    __table_args__ = (sa.UniqueConstraint("job_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(sa.ForeignKey("render_jobs.id", ondelete="CASCADE"))
    number: Mapped[int]
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)


class StoredBooklet(Base):
    """The programme booklet of a published agenda version, in a language and on a
    paper, drawn once (documents.draw_booklets, on publication; or by the first
    request that finds none) and served to every worker of every server from here.

    `digest` sums up everything else the booklet shows (the meeting's title, venue,
    logo..., the listed delegates; booklet_store.inputs_digest): a booklet is served
    only while its digest is the current one, so a change is never hidden by it.
    `version` is 0 for the booklet of a meeting with no published agenda."""

    __tablename__ = "stored_booklets"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "version", "language", "paper"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(sa.String(5))
    paper: Mapped[str] = mapped_column(sa.String(10))
    digest: Mapped[str] = mapped_column(sa.String(64))
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
