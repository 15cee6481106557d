"""Upgrading a database made by the first migration, with a meeting's data in it,
to the newest loses nothing, on SQLite and on PostgreSQL: every row of every
table is still there, with its names, texts and links, and the app serves it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from meeting_app.accounts.models import Role, User
from meeting_app.agenda.models import AgendaSession
from meeting_app.communiques.models import Communique
from meeting_app.core.tokens import new_token
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.registration.models import Participant
from tests.conftest import PASSWORD, make_app

FIRST = "d01dd817727e"
WHEN = datetime(2022, 5, 1, 9, 0, tzinfo=UTC)
NAMES = [  # Latin with diacritics, Cyrillic (Kyrgyz Republic, Serbia), Arabic (Morocco)
    ("Ndèye Fatou", "Diop", "SN"),
    ("Айгүл", "Токтогулова", None),
    ("Đorđe", "Petrović", "RS"),
    ("فاطمة", "الزهراء", "MA"),
    ("José", "Núñez", None),
    ("Chloé", "Lefèvre", "MA"),
]
STATUSES = ["approved", "approved", "submitted", "waitlisted", "declined", "cancelled"]


def _rows_at_first_migration(tokens: list[str]) -> dict[str, list[dict]]:
    """A meeting of the first migration's days: what each table held, as raw rows."""
    stamps = {"created_at": WHEN, "updated_at": WHEN}
    title = {"fr": "Réunion du Conseil", "en": "Board meeting", "es": "Reunión de la Junta"}
    return {
        "meeting_series": [
            {"id": 1, "slug": "board", "title": {"en": "Programme Board"}, "programme": {}}
        ],
        "users": [
            {
                "id": 1,
                "email": "boss@example.org",
                "password_hash": generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
                "role": "organiser",
                "active": True,
                "is_demo": False,
                "created_at": WHEN,
            },
            {
                "id": 2,
                "email": "door@example.org",
                "password_hash": generate_password_hash(PASSWORD, "pbkdf2:sha256:1000"),
                "role": "host",
                "active": True,
                "is_demo": False,
                "created_at": WHEN,
            },
        ],
        "meetings": [
            {
                "id": 1,
                "slug": "rabat-2022",
                "series_id": 1,
                "number_in_series": 2,
                "title": title,
                "description": {"fr": "Deux jours à Rabat."},
                "host_country_code": "MA",
                "host": {"fr": "Royaume du Maroc"},
                "city": "Rabat",
                "venue": "Palais des congrès",
                "venue_address": "",
                "timezone": "Africa/Casablanca",
                "start_date": date(2022, 6, 13),
                "end_date": date(2022, 6, 14),
                "default_language": "fr",
                "registration_opens_at": WHEN,
                "registration_closes_at": WHEN + timedelta(days=30),
                "capacity": 80,
                "requires_approval": True,
                "status": "published",
                **stamps,
            },
        ],
        "communiques": [
            {
                "id": 1,
                "meeting_id": 1,
                "slug": "rabat-2022",
                "default_language": "fr",
                "title": {"fr": "Rabat : le Conseil se réunit", "en": "Rabat: the Board meets"},
                "summary": {"fr": "Chapeau"},
                "body": {"fr": "Le Conseil a adopté…", "en": "The Board"},
                "sdgs": [17, 1, 5],
                "status": "published",
                "published_at": WHEN,
                **stamps,
            },
        ],
        "delegations": [
            {"id": i + 1, "meeting_id": 1, "country_code": code, "head_id": None, "size_limit": 5}
            for i, code in enumerate(("MA", "SN", "RS"))
        ],
        "rooms": [
            {"id": 1, "meeting_id": 1, "name": "Salle plénière", "capacity": 150, "notes": ""},
            {"id": 2, "meeting_id": 1, "name": "Salle B", "capacity": None, "notes": "1er étage"},
        ],
        "agenda_sessions": [
            {
                "id": n + 1,
                "meeting_id": 1,
                "room_id": n % 2 + 1,
                "kind": kind,
                "title": {"fr": f"Séance {n + 1}", "en": f"Session {n + 1}"},
                "description": {},
                "starts_at": datetime(2022, 6, 13, 8 + 2 * n, tzinfo=UTC),
                "ends_at": datetime(2022, 6, 13, 9 + 2 * n, tzinfo=UTC),
                "capacity": None,
                **stamps,
            }
            for n, kind in enumerate(("plenary", "panel", "working_group"))
        ],
        "participants": [
            {
                "id": i + 1,
                "meeting_id": 1,
                "delegation_id": {"MA": 1, "SN": 2, "RS": 3}.get(country),
                "honorific": "dr",
                "given_name": given,
                "family_name": family,
                "badge_name": f"{given} {family}",
                "email": f"person{i}@example.org",
                "phone": "+212 5 37 00 00 00",
                "organisation": "Ministère",
                "position": "",
                "category": "national_government",
                "role": "delegate",
                "preferred_language": "fr",
                "dietary_needs": "halal",
                "accessibility_needs": "",
                "needs_visa_letter": i == 0,
                "consent_public_list": True,
                "status": STATUSES[i],
                "token": tokens[i],
                "badge_code": f"BADGE{i:04d}",
                "status_changed_at": WHEN,
                **stamps,
            }
            for i, (given, family, country) in enumerate(NAMES)
        ],
        "check_ins": [
            {
                "id": 1,
                "participant_id": 1,
                "checked_in_at": datetime(2022, 6, 13, 7, 52, tzinfo=UTC),
                "method": "scan",
                "by_user_id": 2,
            },
            {
                "id": 2,
                "participant_id": 2,
                "checked_in_at": datetime(2022, 6, 13, 8, 5, tzinfo=UTC),
                "method": "search",
                "by_user_id": 2,
            },
            {
                "id": 3,
                "participant_id": 1,
                "checked_in_at": datetime(2022, 6, 14, 7, 40, tzinfo=UTC),
                "method": "scan",
                "by_user_id": None,
            },
        ],
        "session_people": [
            {
                "id": 1,
                "session_id": 1,
                "participant_id": 1,
                "guest_name": "",
                "role": "chair",
                "position": 0,
            },
            {
                "id": 2,
                "session_id": 1,
                "participant_id": None,
                "guest_name": "Amina Benali",
                "role": "speaker",
                "position": 1,
            },
            {
                "id": 3,
                "session_id": 2,
                "participant_id": 3,
                "guest_name": "",
                "role": "moderator",
                "position": 0,
            },
        ],
    }


def _count(connection, table: str) -> int:
    return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'first.sqlite3'}"
    return request.getfixturevalue("postgres_database")(migrated=False)


def test_a_database_of_the_first_migration_upgrades_without_losing_anything(empty_database):
    app = make_app(empty_database)
    tokens = [new_token() for _ in NAMES]
    rows = _rows_at_first_migration(tokens)
    with app.app_context():
        upgrade(revision=FIRST)
        metadata = sa.MetaData()
        with db.engine.begin() as connection:
            metadata.reflect(connection)
            for table, values in rows.items():
                connection.execute(metadata.tables[table].insert(), values)
            connection.execute(sa.text("UPDATE delegations SET head_id = 1 WHERE id = 2"))
            if connection.dialect.name == "postgresql":  # ids were given: move the sequences on
                for table in rows:
                    connection.execute(
                        sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)")
                    )

        upgrade()

        with db.engine.connect() as connection:
            assert {table: _count(connection, table) for table in rows} == {
                table: len(values) for table, values in rows.items()
            }
            assert _count(connection, "countries") == 249
        people = db.session.execute(db.select(Participant).order_by(Participant.id)).scalars()
        assert [(p.given_name, p.family_name, p.status.value) for p in people] == [
            (given, family, status)
            for (given, family, _), status in zip(NAMES, STATUSES, strict=True)
        ]
        meeting = db.session.execute(db.select(Meeting)).scalar_one()
        assert meeting.title["es"] == "Reunión de la Junta" and meeting.capacity == 80
        assert meeting.seats_taken == 3  # two approved and one submitted hold a seat
        senegal = db.session.get(Delegation, 2)
        assert senegal.head.family_name == "Diop" and senegal.seats_taken == 1
        session = db.session.get(AgendaSession, 1)
        assert session.title["fr"] == "Séance 1" and session.room.name == "Salle plénière"
        assert sorted(p.guest_name or p.participant.family_name for p in session.people) == [
            "Amina Benali",
            "Diop",
        ]
        days = db.session.execute(db.select(CheckIn.day).order_by(CheckIn.id)).scalars().all()
        assert days == [date(2022, 6, 13), date(2022, 6, 13), date(2022, 6, 14)]
        communique = db.session.execute(db.select(Communique)).scalar_one()
        assert communique.text("fr").title == "Rabat : le Conseil se réunit"
        assert communique.text("en").body == "The Board" and communique.sdgs == [1, 5, 17]
        # Roles per meeting: the global organiser is an administrator, the global
        # host hosts every meeting that existed.
        boss, door = db.session.execute(db.select(User).order_by(User.id)).scalars()
        assert boss.is_admin and boss.meeting_roles == []
        assert not door.is_admin
        assert [(r.meeting_id, r.role) for r in door.meeting_roles] == [(meeting.id, Role.HOST)]
        db.session.remove()

    # The app works on it: a participant's private link still opens their page.
    client = app.test_client()
    page = client.get(f"/r/{tokens[1]}", headers={"Accept-Language": "fr"})
    assert page.status_code == 200 and "Токтогулова" in page.get_data(as_text=True)
    assert client.get("/meetings/rabat-2022/").status_code == 200
    # Both accounts still sign in, each to what it could do before.
    for email, home, page in (
        ("boss@example.org", "/manage/", "/manage/meetings/rabat-2022/"),
        ("door@example.org", "/desk/", "/desk/meetings/rabat-2022/check-in"),
    ):
        staff = app.test_client()
        signed_in = staff.post("/login", data={"email": email, "password": PASSWORD})
        assert signed_in.headers["Location"] == home
        assert staff.get(page).status_code == 200
    assert staff.get("/manage/").status_code == 403  # the host is no organiser
