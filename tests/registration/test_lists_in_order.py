"""The lists of the registration pages in the reader's alphabetical order: the
nationality list of the form, and the organisers' list of registrations, which
the database sorts so that each page of it holds the right names."""

import re

import pytest

from meeting_app.accounts.models import Role


def _options(html: str, name: str) -> list[str]:
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option [^>]*>([^<]+)</option>", select)


def test_nationality_list_in_french_reads_in_french_order(client, open_meeting):
    """Sorted by character code, Égypte … États-Unis came after Zimbabwe and
    "Îles Åland" last of all."""
    open_meeting(slug="board")
    html = client.get("/meetings/board/register", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    names = _options(html, "nationality_code")
    e_words = ["Égypte", "Émirats arabes unis", "Équateur", "Érythrée", "Espagne", "États-Unis"]
    positions = [names.index(name) for name in ["Djibouti", *e_words, "Fidji"]]
    assert positions == sorted(positions)
    assert positions[-1] - positions[0] < 20  # together among the D, E and F countries
    islands = [n for n in names if n.startswith(("Île", "Îles"))]
    assert "Îles Åland" in islands
    first, last = names.index(islands[0]), names.index(islands[-1])
    assert last - first == len(islands) - 1  # the islands together, under I
    assert names[last + 1] == "Inde"
    assert names[-1] == "Zimbabwe"


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


def _listed(client, language: str, **args) -> list[str]:
    """The family names on one page of the organisers' list, in order."""
    html = client.get(
        "/manage/meetings/board/registrations/",
        query_string=args,
        headers={"Accept-Language": language},
    ).get_data(as_text=True)
    return re.findall(r'<th scope="row"><a [^>]*>(?:<bdi>)?([^<,]+),', html)


def test_organisers_list_is_sorted_by_name_in_the_readers_language_page_by_page(
    client, organiser, open_meeting, make_participant
):
    """50 a page: which page a name lands on depends on the order, so the database
    sorts (PostgreSQL's ICU collation, SQLite's registered one). Code points put
    "Ñañez" after "Ortega", and "Émond" after every other name."""
    meeting = open_meeting(slug="board", capacity=None)
    for name in ["Ortega", "Ñañez", "Émond", "Nuñez", "Nieto", "Zulu"]:
        make_participant(meeting, family_name=name)
    for i in range(46):
        make_participant(meeting, family_name=f"Aa{i:02d}")
    spanish = _listed(client, "es")
    assert spanish[45:] == ["Aa45", "Émond", "Nieto", "Nuñez", "Ñañez"]
    assert _listed(client, "es", page=2) == ["Ortega", "Zulu"]
    # Everywhere else Ñ is an N with a tilde, first of the N's.
    assert _listed(client, "en")[47:] == ["Ñañez", "Nieto", "Nuñez"]
    assert _listed(client, "en", page=2) == ["Ortega", "Zulu"]


def test_organisers_list_can_still_be_read_in_the_order_of_registration(
    client, organiser, open_meeting, make_participant
):
    """Places go by registration date: that order stays one choice away, and the
    pages after the first keep it."""
    meeting = open_meeting(slug="board", capacity=None)
    for i in range(51):
        make_participant(meeting, family_name=f"Z{50 - i:02d}")
    assert _listed(client, "en", sort="date")[:2] == ["Z50", "Z49"]
    html = client.get(
        "/manage/meetings/board/registrations/?sort=date", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert re.search(r'href="[^"]*sort=date[^"]*page=2|href="[^"]*page=2[^"]*sort=date', html)
    assert _listed(client, "en", sort="date", page=2) == ["Z00"]
    assert _listed(client, "en")[:2] == ["Z00", "Z01"]  # by name otherwise
