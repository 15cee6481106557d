"""The programme booklet drawn ahead: a task draws each language and paper when the
agenda is published, and the download only reads what it kept; a new version, a
new logo or a newly listed delegate is never hidden by an older drawing."""

import io
import json
from datetime import UTC, datetime, time, timedelta

import pytest
import redis
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.agenda import services
from meeting_app.core import tasks
from meeting_app.delegations.models import Delegation
from meeting_app.documents import booklet, booklet_store
from meeting_app.documents import logo as logos
from meeting_app.documents.models import StoredBooklet
from meeting_app.documents.tasks import draw_booklets
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from tests.conftest import make_app
from tests.processes import redis_url

PDF = "/meetings/rabat/agenda.pdf"


@pytest.fixture
def agenda(rabat, add_session):
    rabat.languages = ["fr", "en"]  # four booklets drawn ahead, not six: a quicker test
    add_session(title="Ouverture", start=time(9), end=time(10, 30))
    db.session.commit()
    return rabat


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


@pytest.fixture
def ahead(server_app, monkeypatch):
    """The server draws booklets ahead (off in tests otherwise)."""
    monkeypatch.setitem(server_app.config, "BOOKLETS_AHEAD", True)


@pytest.fixture
def drawings(monkeypatch):
    """Counts WeasyPrint's drawings of the booklet; `drawings.refuse()` makes any
    further one fail the test."""

    class Drawings(list):
        def refuse(self):
            def refused(*_args, **_kwargs):
                raise AssertionError("the download drew the booklet")

            monkeypatch.setattr(booklet, "render_pdf", refused)

    drawn = Drawings()
    real = booklet.render_pdf
    monkeypatch.setattr(booklet, "render_pdf", lambda *a, **k: drawn.append(1) or real(*a, **k))
    return drawn


def _kept(meeting) -> set[tuple[int, str, str]]:
    db.session.expire_all()
    return set(
        db.session.execute(
            sa.select(StoredBooklet.version, StoredBooklet.language, StoredBooklet.paper).where(
                StoredBooklet.meeting_id == meeting.id
            )
        ).all()
    )


def _text(response) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)


def _publish(meeting) -> None:
    services.publish(meeting)
    db.session.commit()


def test_publishing_draws_each_language_and_paper_and_the_download_only_reads_them(
    client, organiser, agenda, ahead, drawings
):
    assert client.post("/manage/meetings/rabat/agenda/publish").status_code == 302
    assert _kept(agenda) == {
        (1, lang, paper) for lang in ("fr", "en") for paper in ("a4", "letter")
    }
    assert len(drawings) == 4
    drawings.refuse()
    response = client.get(f"{PDF}?lang=en&paper=letter")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Ouverture" in _text(response) and "Version 1" in _text(response)
    page = PdfReader(io.BytesIO(response.get_data())).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    # A reader's copy is checked, not sent again.
    again = client.get(
        f"{PDF}?lang=en&paper=letter", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_new_version_is_drawn_and_the_old_ones_dropped(
    client, organiser, agenda, ahead, add_session
):
    client.post("/manage/meetings/rabat/agenda/publish")
    first = client.get(f"{PDF}?lang=fr")
    add_session(title="Pause café", start=time(11), end=time(11, 30))
    db.session.commit()
    client.post("/manage/meetings/rabat/agenda/publish")
    assert {version for version, _lang, _paper in _kept(agenda)} == {2}
    second = client.get(f"{PDF}?lang=fr")
    assert "Pause café" in _text(second) and "Version 2" in _text(second)
    assert "Pause café" not in _text(first) and second.headers["ETag"] != first.headers["ETag"]


def test_a_new_version_never_serves_the_old_booklet_even_before_the_task(
    client, agenda, add_session, drawings
):
    """Without the task (off, or not done yet), the download draws the booklet of
    the new version itself, once, and keeps it for the next readers."""
    _publish(agenda)
    assert "Pause café" not in _text(client.get(PDF))
    add_session(title="Pause café", start=time(11), end=time(11, 30))
    db.session.commit()
    _publish(agenda)
    assert "Pause café" in _text(client.get(PDF)) and len(drawings) == 2
    assert "Pause café" in _text(client.get(PDF)) and len(drawings) == 2


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 120), (200, 16, 46)).save(out, format="PNG")
    return logos.prepare(out.getvalue())


def test_a_new_logo_or_title_draws_the_booklet_again(client, agenda, drawings):
    _publish(agenda)
    without = client.get(PDF)
    assert len(PdfReader(io.BytesIO(without.get_data())).pages[0].images) == 0
    client.get(PDF)
    assert len(drawings) == 1
    agenda.logo_png = _png()
    db.session.commit()
    with_logo = client.get(PDF)
    assert len(PdfReader(io.BytesIO(with_logo.get_data())).pages[0].images) == 1
    assert len(drawings) == 2
    agenda.title = {"fr": "Conseil du programme"}
    db.session.commit()
    assert "Conseil du programme" in _text(client.get(PDF)) and len(drawings) == 3


def test_what_the_booklet_shows_of_the_meeting_asks_for_a_drawing_a_registration_does_not(
    app, agenda, make_participant, monkeypatch
):
    asked = []
    monkeypatch.setattr(
        booklet_store, "request", lambda meeting_id, later=False: asked.append((meeting_id, later))
    )
    make_participant(agenda, status=RegistrationStatus.SUBMITTED, consent_public_list=True)
    make_participant(agenda, status=RegistrationStatus.APPROVED, consent_public_list=False)
    agenda.contact_email = "desk@example.org"
    db.session.commit()
    assert asked == []
    _publish(agenda)
    agenda.venue = "Palais des congrès"
    db.session.commit()
    agenda.logo_png = _png()
    db.session.commit()
    assert asked == [(agenda.id, False)] * 3
    # A newly listed delegate asks for a drawing too, but later (once for many).
    make_participant(agenda, status=RegistrationStatus.APPROVED, consent_public_list=True)
    assert asked[3:] == [(agenda.id, True)]


def test_approvals_queue_one_redraw_a_little_later(database_url, agenda, make_participant):
    """With a broker: two delegates approved in two transactions (two requests, or
    two servers) queue one drawing, due BOOKLET_REDRAW_DELAY seconds later, when a
    worker draws what both changed; a change the booklet does not show queues none."""
    _publish(agenda)
    waiting = [
        make_participant(agenda, status=RegistrationStatus.SUBMITTED, consent_public_list=True)
        for _ in range(2)
    ]
    broker = redis.Redis.from_url(redis_url(14))
    app = make_app(
        database_url,
        CELERY_BROKER_URL=redis_url(14),
        BOOKLETS_AHEAD=True,
        BOOKLET_REDRAW_DELAY=90,
    )
    for person in waiting:
        with app.app_context():
            db.session.get(type(person), person.id).email = f"new-{person.id}@example.org"
            tasks.commit()
    assert broker.llen(app.config["CELERY_QUEUE"]) == 0
    for person in waiting:
        with app.app_context():
            db.session.get(type(person), person.id).status = RegistrationStatus.APPROVED
            tasks.commit()
    [message] = broker.lrange(app.config["CELERY_QUEUE"], 0, -1)
    headers = json.loads(message)["headers"]
    assert headers["task"] == "documents.draw_booklets"
    assert headers["argsrepr"] == f"({agenda.id},)"
    due = datetime.fromisoformat(headers["eta"]) - datetime.now(UTC)
    assert timedelta(seconds=80) < due <= timedelta(seconds=90)


def test_a_newly_listed_delegate_shows_in_the_next_download(client, agenda, make_participant):
    morocco = Delegation(meeting=agenda, country_code="MA")
    db.session.add(morocco)
    db.session.commit()
    _publish(agenda)
    assert "Alaoui" not in _text(client.get(PDF))
    make_participant(agenda, family_name="Alaoui", delegation=morocco, consent_public_list=True)
    assert "Alaoui" in _text(client.get(PDF))


def test_the_task_draws_nothing_before_publication_and_nothing_twice(app, agenda, drawings):
    assert draw_booklets.apply((agenda.id,)).get() == 0
    _publish(agenda)
    assert draw_booklets.apply((agenda.id,)).get() == 4
    assert draw_booklets.apply((agenda.id,)).get() == 0
    assert len(drawings) == 4


def _queries(server_app, send) -> int:
    with server_app.app_context():
        engine = db.engine
    statements = []

    def count(*_args):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        send()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_download_makes_as_many_queries_for_5_or_50_listed_delegates(
    client, server_app, agenda, make_participant, drawings
):
    morocco = Delegation(meeting=agenda, country_code="MA")
    db.session.add(morocco)
    db.session.commit()
    _publish(agenda)

    def listed(count: int) -> int:
        for n in range(count):
            make_participant(
                agenda, family_name=f"Delegate {n}", delegation=morocco, consent_public_list=True
            )
        client.get(PDF)  # drawn once for this list
        return _queries(server_app, lambda: client.get(PDF))

    few = listed(5)
    many = listed(45)
    assert few == many
    assert len(drawings) == 2
