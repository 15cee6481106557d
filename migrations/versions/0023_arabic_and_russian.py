"""Arabic and Russian (issue 22): the countries' names in both, and the organisers'
list of participants sorted by name in each

Revision ID: f5d8e1c3a023
Revises: f4c7a2b9d022
Create Date: 2026-12-07 23:30:00.000000

"""

import sqlalchemy as sa
from alembic import op
from babel import Locale

# revision identifiers, used by Alembic.
revision = "f5d8e1c3a023"
down_revision = "f4c7a2b9d022"
branch_labels = None
depends_on = None

# A migration keeps its own copy of what it adds: the models may change after it.
LANGUAGES = ("ar", "ru")


def _name_countries(connection: sa.Connection) -> None:
    """Names every country in the new languages from Babel's CLDR data (English
    where CLDR has no name, as meetings.services.babel_countries does)."""
    countries = sa.table(
        "countries",
        sa.column("code"),
        sa.column("name_en"),
        *(sa.column(f"name_{language}") for language in LANGUAGES),
    )
    names = {language: Locale.parse(language).territories for language in LANGUAGES}
    rows = connection.execute(sa.select(countries.c.code, countries.c.name_en)).all()
    if not rows:
        return
    connection.execute(
        sa.update(countries)
        .where(countries.c.code == sa.bindparam("country"))
        .values({f"name_{lang}": sa.bindparam(f"n_{lang}") for lang in LANGUAGES}),
        [
            {
                "country": code,
                **{f"n_{lang}": names[lang].get(code, name_en) for lang in LANGUAGES},
            }
            for code, name_en in rows
        ],
    )


def upgrade():
    connection = op.get_bind()
    for language in LANGUAGES:
        op.add_column(
            "countries",
            sa.Column(f"name_{language}", sa.String(length=100), nullable=False, server_default=""),
        )
    _name_countries(connection)
    # The server default only filled the rows that existed; the model has none.
    with op.batch_alter_table("countries", schema=None) as batch_op:
        for language in LANGUAGES:
            batch_op.alter_column(f"name_{language}", server_default=None)
    # As 0022 for the other languages: in each language's ICU collation on
    # PostgreSQL (the list's ORDER BY), plain columns on SQLite.
    for language in LANGUAGES:
        collation = f'COLLATE "{language}-x-icu"'
        op.create_index(
            f"ix_participants_meeting_name_{language}",
            "participants",
            ["meeting_id", "family_name", "given_name", "id"],
            postgresql_ops={"family_name": collation, "given_name": collation},
        )


def downgrade():
    for language in LANGUAGES:
        op.drop_index(f"ix_participants_meeting_name_{language}", table_name="participants")
    with op.batch_alter_table("countries", schema=None) as batch_op:
        for language in LANGUAGES:
            batch_op.drop_column(f"name_{language}")
