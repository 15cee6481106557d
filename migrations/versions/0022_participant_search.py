"""The participants' folded search text and the organisers' list's indexes
(conference scale, issue 21)

Revision ID: f4c7a2b9d022
Revises: f3b1d2e4a021
Create Date: 2027-01-10 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.core.folding import search_text

# revision identifiers, used by Alembic.
revision = "f4c7a2b9d022"
down_revision = "f3b1d2e4a021"
branch_labels = None
depends_on = None

# As registration/models.py has them (a migration keeps its own copy: the models
# may change after it).
SEARCHED = ("given_name", "family_name", "badge_name", "email", "organisation")
LANGUAGES = ("en", "es", "fr")
BATCH = 2000


def _backfill(connection: sa.Connection) -> None:
    """Folds every existing row, a batch at a time (by id), so that a meeting of
    50,000 is never held in memory at once."""
    table = sa.table(
        "participants", sa.column("id"), sa.column("search_text"), *map(sa.column, SEARCHED)
    )
    fields = [table.c[name] for name in SEARCHED]
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, *fields)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        connection.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("row_id"))
            .values(search_text=sa.bindparam("text")),
            [{"row_id": row[0], "text": search_text(row[1:])} for row in rows],
        )
        last = rows[-1][0]


def upgrade():
    connection = op.get_bind()
    op.add_column(
        "participants", sa.Column("search_text", sa.Text(), nullable=False, server_default="")
    )
    _backfill(connection)
    op.create_index(
        "ix_participants_meeting_created", "participants", ["meeting_id", "created_at", "id"]
    )
    op.create_index("ix_participants_meeting_status", "participants", ["meeting_id", "status"])
    # In each language's collation on PostgreSQL (the list's ORDER BY); plain on
    # SQLite, whose collations exist only on the app's own connections.
    for language in LANGUAGES:
        collation = f'COLLATE "{language}-x-icu"'
        op.create_index(
            f"ix_participants_meeting_name_{language}",
            "participants",
            ["meeting_id", "family_name", "given_name", "id"],
            postgresql_ops={"family_name": collation, "given_name": collation},
        )
    if connection.dialect.name == "postgresql":
        # Trigrams make an infix LIKE ('%nunez%') an index scan. pg_trgm is a
        # trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_participants_search_text",
            "participants",
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        )
    else:
        op.create_index("ix_participants_search_text", "participants", ["search_text"])


def downgrade():
    op.drop_index("ix_participants_search_text", table_name="participants")
    for language in LANGUAGES:
        op.drop_index(f"ix_participants_meeting_name_{language}", table_name="participants")
    op.drop_index("ix_participants_meeting_status", table_name="participants")
    op.drop_index("ix_participants_meeting_created", table_name="participants")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_column("search_text")
    # The pg_trgm extension stays: other databases' objects may use it.
