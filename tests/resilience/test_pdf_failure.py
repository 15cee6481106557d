"""A PDF that cannot be rendered: a clear message, nothing recorded as if it had
been (badges stay unprinted), the rest of the site unaffected, and the next
render works. WeasyPrint is made to fail as it does on a document it cannot lay
out (an internal error), the only stand-in in these tests."""

import re
import time

import pytest
import weasyprint

from meeting_app.accounts.models import Role
from meeting_app.documents.models import BadgePrint
from meeting_app.extensions import db


class _LayoutCrash(Exception):
    pass


@pytest.fixture
def broken_renderer(monkeypatch):
    def crash(*_args, **_kwargs):
        raise _LayoutCrash("layout failed")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", crash)
    return monkeypatch  # .undo() mends it


@pytest.fixture
def board(open_meeting, make_participant, make_user, login):
    meeting = open_meeting(slug="board")
    people = [make_participant(meeting, needs_visa_letter=True) for _ in range(3)]
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    return meeting, people


def _prints() -> int:
    db.session.rollback()
    return db.session.scalar(db.select(db.func.count(BadgePrint.id)))


JSON = {"Accept": "application/json"}


def test_a_failed_badge_print_says_so_and_marks_nothing_printed(client, board, broken_renderer):
    """Without JavaScript: the form's post goes to the job's page, which says the
    print failed and offers to try again; the retry, once WeasyPrint works, prints."""
    form = {"layout": "a6", "language": "en"}
    failed = client.post(
        "/desk/meetings/board/badges/jobs",
        data=form,
        headers={"Accept-Language": "fr"},
        follow_redirects=True,
    )
    assert failed.status_code == 200 and failed.mimetype == "text/html"
    page = failed.get_data(as_text=True)
    assert "Les badges n&#39;ont pas pu être préparés" in page
    assert 'class="progress-download" hidden' in page
    assert _prints() == 0
    assert client.get("/desk/meetings/board/arrivals").status_code == 200

    broken_renderer.undo()
    retry = re.search(r'class="progress-retry inline-form" action="([^"]+)"', page).group(1)
    printed = client.post(retry, follow_redirects=True).get_data(as_text=True)
    download = re.search(r'class="progress-download" href="([^"]+)"', printed).group(1)
    assert client.get(download).mimetype == "application/pdf"
    assert _prints() == 3


def test_a_failed_background_print_ends_as_failed_with_the_reason(client, board, broken_renderer):
    started = client.post(
        "/desk/meetings/board/badges/jobs", data={"layout": "a4-8", "language": "en"}, headers=JSON
    )
    started = started.get_json()
    deadline = time.monotonic() + 30
    while (job := client.get(started["status_url"]).get_json())["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    assert job["state"] == "failed" and job["download_url"] is None
    assert "nothing was marked printed" in job["message"] and job["retry_url"]
    assert _prints() == 0


def test_a_failed_letter_sends_the_participant_back_with_a_message(client, board, broken_renderer):
    _meeting, people = board
    token = people[0].token
    failed = client.get(
        f"/r/{token}/letter.pdf", headers={"Accept-Language": "es"}, follow_redirects=True
    )
    assert failed.status_code == 200
    assert failed.request.path == f"/r/{token}"
    assert "No se pudo preparar el documento" in failed.get_data(as_text=True)
    broken_renderer.undo()
    assert client.get(f"/r/{token}/letter.pdf").mimetype == "application/pdf"


def test_a_failed_programme_booklet_is_a_clean_error_page(client, board, broken_renderer):
    failed = client.get("/meetings/board/agenda.pdf", headers={"Accept-Language": "en"})
    assert failed.status_code == 500
    page = failed.get_data(as_text=True)
    assert "Something went wrong" in page and "Traceback" not in page
    assert client.get("/meetings/board/agenda").status_code == 200
