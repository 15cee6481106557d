"""Delegations are listed in the reader's alphabetical order: on the public page,
in the booklet and on the organisers' page (Équateur among the E's, Sénégal
before Serbie), not by character code."""

import re

import pytest

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.documents.booklet import booklet_html
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus

# Sénégal and Serbie come from the meeting's fixtures (SN, MA) and here.
CODES = ("EC", "RS", "TN", "NP", "ES")


@pytest.fixture
def board(open_meeting, make_participant):
    # The host (Maroc) in its alphabetical place: these tests are about collation
    # (test_delegations.py puts the host first, as protocol order does by default).
    meeting = open_meeting(slug="board", host_country_first=False)
    db.session.add_all([Delegation(meeting=meeting, country_code=code) for code in CODES])
    db.session.commit()
    for delegation in meeting.delegations:
        make_participant(
            meeting,
            delegation=delegation,
            consent_public_list=True,
            status=RegistrationStatus.APPROVED,
        )
    return meeting


def _in_order(html: str, names: list[str]) -> list[str]:
    """The names as they come in the page."""
    return sorted(names, key=lambda name: html.index(name))


FRENCH = ["Équateur", "Espagne", "Maroc", "Népal", "Sénégal", "Serbie", "Tunisie"]


def test_public_page_lists_delegations_in_french_order(client, board):
    """Code-point order read "… Serbie, Sénégal, Tunisie, Équateur"."""
    html = client.get("/meetings/board/delegations", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    headings = re.findall(r'<h2 id="delegation-[A-Z]{2}">([^<]+)</h2>', html)
    assert headings == FRENCH


def test_booklet_lists_delegations_in_its_languages_order(app_context, board):
    """The booklet in Spanish sorts as Spanish does, whatever the default language."""
    french = booklet_html(board, language="fr", paper="a4")
    assert _in_order(french, FRENCH) == FRENCH
    spanish_names = ["Ecuador", "España", "Marruecos", "Nepal", "Senegal", "Serbia", "Túnez"]
    spanish = booklet_html(board, language="es", paper="a4")
    assert _in_order(spanish, spanish_names) == spanish_names


def test_organisers_page_and_country_list_are_in_french_order(client, make_user, login, board):
    """The delegations' table and the list of countries one can add."""
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post("/language", data={"language": "fr", "next": "/"})
    html = client.get("/manage/meetings/board/delegations/").get_data(as_text=True)
    table = html.split("<table", 1)[1].split("</table>", 1)[0]
    assert _in_order(table, FRENCH) == FRENCH
    form = html.split('name="country_code"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option [^>]*>([^<]+)</option>", form)
    countries = ["Djibouti", "Égypte", "Émirats arabes unis", "Érythrée", "États-Unis", "Fidji"]
    assert [name for name in options if name in countries] == countries
