"""Public pages in each of the meeting's languages: Arabic and Russian content with
the same fallback as the others, one address per language (`?lang=`), and the
`hreflang` alternates that point there."""

import re
from datetime import time

import pytest

from meeting_app.agenda import services as agenda
from meeting_app.agenda.models import SessionKind
from meeting_app.extensions import db

ARABIC_TITLE = "الاجتماع الثاني لمجلس البرنامج"


@pytest.fixture
def board(make_meeting):
    return make_meeting(
        slug="board",
        title={"fr": "Conseil du programme", "en": "Programme Board", "ar": ARABIC_TITLE},
        languages=["fr", "en", "ar"],
        default_language="fr",
    )


def _page(client, path, browser="fr"):
    response = client.get(path, headers={"Accept-Language": browser})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _alternates(html) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)">', html))


def test_arabic_content_is_shown_and_russian_falls_back_and_says_so(client, board):
    arabic = _page(client, "/meetings/board/", "ar")
    assert '<html lang="ar"' in arabic
    assert f"<h1>{ARABIC_TITLE}</h1>" in arabic
    russian = _page(client, "/meetings/board/", "ru")
    assert '<html lang="ru"' in russian
    # No Russian title: the default language's, marked as French.
    assert re.search(r'<span lang="fr"[^>]*>Conseil du programme</span>', russian)


def test_meeting_page_has_one_alternate_per_meeting_language(client, board):
    html = _page(client, "/meetings/board/")
    assert _alternates(html) == {
        "fr": "http://localhost/meetings/board/?lang=fr",
        "en": "http://localhost/meetings/board/?lang=en",
        "ar": "http://localhost/meetings/board/?lang=ar",
        "x-default": "http://localhost/meetings/board/",
    }


def test_the_alternates_address_shows_the_page_in_its_language_for_that_request(client, board):
    """A French browser following the Arabic alternate reads the page in Arabic,
    interface and content; nothing is remembered, and an unknown `lang` is ignored."""
    html = _page(client, "/meetings/board/?lang=ar", "fr")
    assert '<html lang="ar"' in html and f"<h1>{ARABIC_TITLE}</h1>" in html
    assert '<html lang="fr"' in _page(client, "/meetings/board/", "fr")
    assert '<html lang="fr"' in _page(client, "/meetings/board/?lang=de", "fr")
    # It also wins over a language chosen earlier with the switcher.
    client.post("/language", data={"language": "en", "next": "/"})
    assert '<html lang="ru"' in _page(client, "/meetings/board/?lang=ru")
    assert '<html lang="en"' in _page(client, "/meetings/board/")


def test_only_public_pages_take_their_language_from_the_address(client, board):
    assert '<html lang="fr"' in _page(client, "/login?lang=ar", "fr")


def test_the_meetings_other_public_pages_have_their_alternates(client, board):
    session = agenda.save_session(
        board,
        agenda.SessionInput(
            kind=SessionKind.PLENARY,
            title={"fr": "Ouverture", "ar": "الافتتاح"},
            day=board.start_date,
            start=time(9),
            end=time(10),
            room_id=None,
            people=[],
        ),
    )
    agenda.publish(board)
    board.registration_opens_at = None
    db.session.commit()
    for path in (
        "/meetings/board/agenda",
        f"/meetings/board/sessions/{session.id}",
        "/meetings/board/delegations",
    ):
        alternates = _alternates(_page(client, path))
        assert set(alternates) == {"fr", "en", "ar", "x-default"}, path
        assert alternates["ar"] == f"http://localhost{path}?lang=ar"
    # The agenda's filters are part of its address.
    filtered = _alternates(_page(client, "/meetings/board/agenda?kind=plenary"))
    assert filtered["ar"] == "http://localhost/meetings/board/agenda?lang=ar&amp;kind=plenary"
    assert "الافتتاح" in _page(client, f"/meetings/board/sessions/{session.id}?lang=ar")


def test_home_and_communiques_have_an_alternate_per_interface_language(client, board):
    for path in ("/", "/communiques/"):
        alternates = _alternates(_page(client, path))
        assert set(alternates) == {"fr", "en", "es", "ar", "ru", "x-default"}, path
        assert alternates["ru"] == f"http://localhost{path}?lang=ru"
    assert '<html lang="ar"' in _page(client, "/?lang=ar")
