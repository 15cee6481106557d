"""The database going away: requests answer a clean 503 page in the reader's
language, nothing is half-written, and the next request after it is back succeeds
(the pool checks its connections before use, pool_pre_ping)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting, MeetingStatus
from tests.conftest import make_app, registration_data
from tests.resilience.conftest import terminate_connections


def test_an_unreachable_database_gives_a_503_page_in_the_readers_language(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    client = app.test_client()
    for language, title in (("fr", "Momentanément indisponible"), ("es", "No disponible")):
        response = client.get("/meetings/board/", headers={"Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert f'<html lang="{language}">' in page and title in page
        assert "Traceback" not in page and "psycopg" not in page
    posted = client.post("/meetings/board/register", data=registration_data())
    assert posted.status_code == 503


def _open_meeting(database_url: str) -> None:
    now = datetime.now(UTC)
    app = make_app(database_url)
    with app.app_context():
        db.session.add(
            Meeting(
                slug="board",
                title={"en": "Board"},
                city="Rabat",
                timezone="Africa/Casablanca",
                start_date=now.date() + timedelta(days=30),
                end_date=now.date() + timedelta(days=31),
                status=MeetingStatus.PUBLISHED,
                capacity=10,
                requires_approval=False,
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=10),
            )
        )
        db.session.commit()
        db.session.remove()


def _counts(database_url: str) -> tuple[int, int, int, int]:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        counts = tuple(
            connection.execute(sa.text(query)).scalar()
            for query in (
                "SELECT count(*) FROM participants",
                "SELECT count(*) FROM registration_changes",
                "SELECT count(*) FROM outgoing_mails",
                "SELECT seats_taken FROM meetings",
            )
        )
    engine.dispose()
    return counts


def test_a_connection_cut_mid_registration_leaves_nothing_half_written(postgres_database):
    database_url = postgres_database()
    _open_meeting(database_url)
    app = make_app(database_url, MAIL_SERVER="")
    client = app.test_client()
    assert client.get("/meetings/board/register").status_code == 200  # the pool holds one
    with app.app_context():
        engine = db.engine

    # The participant, their change record and mail are already inserted when the
    # seat is taken; the server goes away just then.
    cuts = []

    def cut_at_the_seat(connection, _cursor, statement, *_args):
        if not cuts and statement.lstrip().upper().startswith("UPDATE MEETINGS"):
            cuts.append(terminate_connections(database_url))

    sa.event.listen(engine, "before_cursor_execute", cut_at_the_seat)
    data = registration_data(email="first@example.org")
    response = client.post("/meetings/board/register", data=data, headers={"Accept-Language": "fr"})
    assert response.status_code == 503
    assert "Momentanément indisponible" in response.get_data(as_text=True)
    assert cuts[0] >= 1 and _counts(database_url) == (0, 0, 0, 0)

    # The person sends the form again: the app has reconnected by itself.
    assert client.post("/meetings/board/register", data=data).status_code == 302
    assert _counts(database_url) == (1, 1, 1, 1)


def test_after_a_database_restart_the_next_requests_succeed(postgres_database):
    database_url = postgres_database()
    _open_meeting(database_url)
    app = make_app(database_url, MAIL_SERVER="")
    client = app.test_client()
    assert client.get("/meetings/board/").status_code == 200
    assert terminate_connections(database_url) >= 1  # the app's pooled connection
    # pool_pre_ping finds the dead connection and opens a new one: no error at all.
    assert client.get("/meetings/board/").status_code == 200
    assert client.post("/meetings/board/register", data=registration_data()).status_code == 302
    assert _counts(database_url)[0] == 1


def test_a_signed_in_organiser_gets_the_same_503_page(client, make_user, login):
    """Their page needs their account from the database too; the error page must
    not need it again (or it would fail in turn)."""
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    assert client.get("/manage/").status_code == 200
    cookie = client.get_cookie("session")
    offline = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none").test_client()
    offline.set_cookie("session", cookie.value)
    for path in ("/manage/", "/desk/", "/"):
        response = offline.get(path, headers={"Accept-Language": "fr"})
        assert response.status_code == 503, path
        assert "Momentanément indisponible" in response.get_data(as_text=True)


def test_a_connection_lost_as_the_request_ends_gives_the_503_page(postgres_database):
    """The server goes away after the page was built, when the request's transaction
    is rolled back at its end (where the error handlers used not to reach: a bare,
    empty 500). The reader gets the 503 page, with its headers, and the next request
    succeeds."""
    database_url = postgres_database()
    _open_meeting(database_url)
    app = make_app(database_url, MAIL_SERVER="")
    client = app.test_client()
    assert client.get("/meetings/board/").status_code == 200
    with app.app_context():
        engine = db.engine

    cuts = []

    def cut_at_the_final_rollback(_connection):
        if not cuts:
            cuts.append(terminate_connections(database_url))

    sa.event.listen(engine, "rollback", cut_at_the_final_rollback)
    response = client.get("/meetings/board/", headers={"Accept-Language": "fr"})
    page = response.get_data(as_text=True)
    assert cuts[0] >= 1
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Content-Security-Policy" in response.headers
    assert '<html lang="fr">' in page and "Momentanément indisponible" in page
    assert "Traceback" not in page and "psycopg" not in page
    assert client.get("/meetings/board/").status_code == 200
