"""Fixtures: one schema per run, built by the real migrations; every test starts
with empty tables (countries excepted) and gets factories that return callables.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL names
another one, such as a fresh PostgreSQL database (see .ci/run).
"""

import email
import email.policy
import os
import re
import socket
import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from flask_migrate import upgrade

from meeting_app import create_app
from meeting_app.accounts.models import Role
from meeting_app.accounts.services import create_user
from meeting_app.agenda import services as agenda_services
from meeting_app.agenda.models import SessionKind
from meeting_app.agenda.services import PersonInput, SessionInput
from meeting_app.extensions import db, limiter
from meeting_app.meetings.models import Meeting, MeetingStatus
from meeting_app.registration.models import Category, Participant, RegistrationStatus

PASSWORD = "correct horse battery"


class Inbox:
    """What a real SMTP server on 127.0.0.1 received (aiosmtpd), as parsed messages."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()


@pytest.fixture
def inbox(smtp_server):
    smtp_server.clear()
    return smtp_server


@pytest.fixture(scope="session")
def mail_settings(smtp_server) -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_DEFAULT_SENDER": "secretariat@example.org",
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    )


class BufferedClient(FlaskClient):
    """Reads each response whole and closes it, as a WSGI server does once it has
    sent it: what the app runs after the response (core/tasks.py) has run when a
    request returns."""

    def open(self, *args, buffered=True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def testing_app(**settings):
    app = create_app("testing", settings)
    app.test_client_class = BufferedClient
    return app


# Apps a test made for itself; their connection pools are closed after the test,
# so that no connection is left for the garbage collector (psycopg warns then).
_apps_to_dispose: list = []


def make_app(database_url: str, **overrides):
    app = testing_app(SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    _apps_to_dispose.append(app)
    return app


def _dispose(apps) -> None:
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url, mail_settings):
    app = testing_app(SQLALCHEMY_DATABASE_URI=database_url, **mail_settings)
    with app.app_context():
        _drop_everything()
        upgrade()
        db.session.remove()
    yield app
    _dispose([app])


def _drop_everything() -> None:
    """A database left by an earlier run (PostgreSQL) starts from nothing."""
    db.metadata.drop_all(db.engine)
    with db.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    _dispose(_apps_to_dispose)
    _apps_to_dispose.clear()
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if table.name != "countries":
                    connection.execute(table.delete())
    limiter.reset()


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture(scope="session")
def server_app(app, database_url, mail_settings):
    """The app that serves the test client's requests: a second instance on the same
    database, so that each request gets its own app context (and language, and
    signed-in user) as in production, while the test keeps its own for factories."""
    server_app = testing_app(SQLALCHEMY_DATABASE_URI=database_url, **mail_settings)
    yield server_app
    _dispose([server_app])


@pytest.fixture
def client(server_app, app_context):
    return server_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_meeting(app_context):
    counter = iter(range(1, 10_000))

    def factory(**values) -> Meeting:
        n = next(counter)
        today = datetime.now(UTC).date()
        values = {
            "slug": f"meeting-{n}",
            "title": {
                "en": f"Board meeting {n}",
                "fr": f"Réunion du comité {n}",
                "es": f"Reunión de la junta {n}",
            },
            "city": "Rabat",
            "venue": "Conference centre",
            "timezone": "Africa/Casablanca",
            "host_country_code": "MA",
            "start_date": today + timedelta(days=30),
            "end_date": today + timedelta(days=31),
            "default_language": "en",
            "status": MeetingStatus.PUBLISHED,
            **values,
        }
        meeting = Meeting(**values)
        db.session.add(meeting)
        db.session.commit()
        return meeting

    return factory


@pytest.fixture
def make_participant(app_context):
    counter = iter(range(1, 100_000))

    def factory(meeting: Meeting, **values) -> Participant:
        n = next(counter)
        values = {
            "given_name": "Amina",
            "family_name": f"Tester{n}",
            "badge_name": f"Amina Tester{n}",
            "email": f"person{n}@example.org",
            "category": Category.NATIONAL_GOVERNMENT,
            "status": RegistrationStatus.APPROVED,
            **values,
        }
        participant = Participant(meeting=meeting, **values)
        db.session.add(participant)
        db.session.commit()
        return participant

    return factory


@pytest.fixture
def make_user(app_context):
    """`make_user(Role.HOST, "door@example.org", meetings=[m])`: a staff account
    holding `role` in `meetings`. Without `meetings`, the accounts of before roles
    per meeting: an organiser is an administrator, a host hosts every meeting
    that exists when it is made (as the migration maps them)."""

    def factory(
        role: Role = Role.ORGANISER,
        email: str | None = None,
        *,
        meetings=None,
        admin: bool | None = None,
        **values,
    ):
        email = email or f"{role.value}@example.org"
        if meetings is None:
            admin = role is Role.ORGANISER if admin is None else admin
            meetings = [] if admin else db.session.execute(db.select(Meeting)).scalars().all()
        user = create_user(
            email,
            values.pop("password", PASSWORD),
            is_admin=bool(admin),
            roles={m: role for m in meetings},
            **values,
        )
        db.session.commit()
        return user

    return factory


def form_token(page: str) -> str:
    """The CSRF token in a page's form, as a browser would send it back."""
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def csrf_client(database_url, app_context):
    """A client of an app with CSRF protection on, as in production."""
    return make_app(database_url, WTF_CSRF_ENABLED=True).test_client()


@pytest.fixture
def csrf_login(csrf_client):
    """Signs `csrf_client` in through the form, token included."""

    def sign_in(email: str, password: str = PASSWORD):
        token = form_token(csrf_client.get("/login").get_data(as_text=True))
        return csrf_client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )

    return sign_in


@pytest.fixture
def login(client):
    def sign_in(email: str, password: str = PASSWORD, target=client):
        return target.post("/login", data={"email": email, "password": password})

    return sign_in


@pytest.fixture
def demo_loaded(app_context):
    from meeting_app.demo.loader import load_demo

    load_demo(today=date(2026, 11, 29))
    db.session.commit()


@pytest.fixture
def open_meeting(make_meeting):
    """A published meeting open for registration now, with two delegations."""
    from meeting_app.delegations.models import Delegation

    def factory(**values):
        now = datetime.now(UTC)
        meeting = make_meeting(
            **{
                "registration_opens_at": now - timedelta(days=1),
                "registration_closes_at": now + timedelta(days=10),
                "requires_approval": True,
                "capacity": 50,
                **values,
            }
        )
        db.session.add_all(
            [Delegation(meeting=meeting, country_code=code) for code in ("SN", "MA")]
        )
        db.session.commit()
        return meeting

    return factory


def registration_data(meeting=None, **values) -> dict:
    """What a person types in the registration form (field name -> text)."""
    delegation = "other"  # international organisation / other
    country = values.pop("country", None)
    if meeting is not None and country:
        delegation = str(next(d.id for d in meeting.delegations if d.country_code == country))
    return {
        "honorific": "ms",
        "given_name": "Ndèye",
        "family_name": "Diop",
        "badge_name": "",
        "email": "ndeye.diop@example.org",
        "phone": "+221 77 123 45 67",
        "delegation_id": delegation,
        "organisation": "Ministère des Affaires étrangères",
        "position": "Conseillère",
        "category": "national_government",
        "preferred_language": "fr",
        "dietary_needs": "",
        "accessibility_needs": "",
        "consent_public_list": "y",
        "acknowledge_data_use": "y",
        **values,
    }


@pytest.fixture
def rabat(make_meeting):
    """A meeting in Rabat, 13–14 June 2022, with two rooms."""
    meeting = make_meeting(
        slug="rabat",
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
        timezone="Africa/Casablanca",
        default_language="fr",
    )
    agenda_services.save_room(
        meeting, name="Plénière", capacity=150, notes="", available_from=None, available_until=None
    )
    agenda_services.save_room(
        meeting,
        name="Salle B",
        capacity=40,
        notes="",
        available_from=time(8, 0),
        available_until=time(18, 0),
    )
    db.session.commit()
    return meeting


@pytest.fixture
def add_session(rabat):
    def factory(
        title="Session",
        day=date(2022, 6, 13),
        start=time(9, 0),
        end=time(10, 0),
        room="Plénière",
        people=(),
        kind=SessionKind.PANEL,
        meeting=None,
        **values,
    ):
        meeting = meeting or rabat
        rooms = {r.name: r.id for r in agenda_services.rooms_of(meeting)}
        session = agenda_services.save_session(
            meeting,
            SessionInput(
                kind=kind,
                title={"en": title, "fr": title},
                day=day,
                start=start,
                end=end,
                room_id=rooms.get(room),
                people=[
                    PersonInput(
                        role=role,
                        participant_id=pid if isinstance(pid, int) else None,
                        guest_name=pid if isinstance(pid, str) else "",
                    )
                    for pid, role in people
                ],
                **values,
            ),
        )
        db.session.commit()
        return session

    return factory


@pytest.fixture
def make_communique(app_context):
    """A communiqué written through the services, published unless told otherwise."""
    from meeting_app.communiques import services as communiques

    counter = iter(range(1, 10_000))

    def factory(
        meeting=None,
        *,
        title=None,
        summary="",
        body="The Board met and agreed on the next phase.",
        language="en",
        sdgs=(),
        translations=None,
        publish=True,
        published_at=None,
        user=None,
    ):
        communique = communiques.create_communique(
            meeting,
            language=language,
            title=title or f"Communiqué {next(counter)}",
            summary=summary,
            body=body,
            sdgs=sdgs,
            user=user,
        )
        for other, (other_title, other_summary, other_body) in (translations or {}).items():
            communiques.save_text(
                communique,
                language=other,
                title=other_title,
                summary=other_summary,
                body=other_body,
                sdgs=sdgs,
                slug=None,
                expected_version=communique.version,
                user=user,
            )
        if publish:
            communiques.publish(
                communique,
                expected_version=communique.version,
                user=user,
                now=published_at or datetime.now(UTC) - timedelta(minutes=1),
            )
        db.session.commit()
        return communique

    return factory
