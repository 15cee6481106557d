"""The programme booklet: cover, agenda by day with running headers and page
numbers, the consenting delegates, A4 or US Letter, in the reader's language."""

import io
from datetime import date, time

import pytest
from pypdf import PdfReader

from meeting_app.agenda import services
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus
from tests.agenda.conftest import CHAIR


@pytest.fixture
def programme(rabat, add_session, make_participant):
    from meeting_app.delegations.models import Delegation

    morocco = Delegation(meeting=rabat, country_code="MA")
    db.session.add(morocco)
    db.session.commit()
    chair = make_participant(
        rabat,
        given_name="Nadia",
        family_name="Tazi-Bennani",
        delegation=morocco,
        consent_public_list=True,
    )
    make_participant(
        rabat,
        given_name="Hidden",
        family_name="Person",
        delegation=morocco,
        consent_public_list=False,
    )
    make_participant(
        rabat,
        given_name="Waiting",
        family_name="Person",
        delegation=morocco,
        consent_public_list=True,
        status=RegistrationStatus.WAITLISTED,
    )
    add_session(title="Ouverture", start=time(9), end=time(10, 30), people=[(chair.id, CHAIR)])
    add_session(title="Clôture", day=date(2022, 6, 14), start=time(16), end=time(17))
    services.publish(rabat)
    db.session.commit()
    return rabat


def _pages(response) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages]


def test_booklet_has_a_cover_the_days_and_the_listed_delegates(client, programme):
    response = client.get("/meetings/rabat/agenda.pdf?lang=fr")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = _pages(response)
    assert "Réunion du comité 1" in pages[0] and "13–14 juin 2022" in pages[0]
    text = "\n".join(pages)
    assert "09:00–10:30" in text and "Ouverture" in text and "Nadia Tazi-Bennani" in text
    assert "lundi 13 juin 2022" in pages[1] and "mardi 14 juin 2022" in pages[2]
    # Running header (meeting, day) and page numbers on the inside pages.
    assert "Réunion du comité 1" in pages[1] and f"2 / {len(pages)}" in pages[1]
    delegations = pages[-1]
    assert "Maroc" in delegations and "Tazi-Bennani" in delegations
    assert "Hidden" not in text and "Waiting" not in text


def test_booklet_in_english_on_us_letter(client, programme):
    response = client.get("/meetings/rabat/agenda.pdf?lang=en&paper=letter")
    page = PdfReader(io.BytesIO(response.get_data())).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert "Monday, June 13, 2022" in _pages(response)[1]
    a4 = PdfReader(io.BytesIO(client.get("/meetings/rabat/agenda.pdf").get_data())).pages[0]
    assert (round(float(a4.mediabox.width)), round(float(a4.mediabox.height))) == (595, 842)


def test_booklet_of_a_draft_meeting_or_unknown_paper_is_not_found(client, programme, make_meeting):
    make_meeting(slug="draft", status="draft")
    assert client.get("/meetings/draft/agenda.pdf").status_code == 404
    assert client.get("/meetings/rabat/agenda.pdf?paper=a3").status_code == 404


def test_command_line_programme(runner, programme, tmp_path):
    out = tmp_path / "programme.pdf"
    result = runner.invoke(
        args=["export", "programme", "--meeting", "rabat", "--out", str(out), "--paper", "letter"]
    )
    assert result.exit_code == 0, result.output
    assert "Ouverture" in "\n".join(p.extract_text() for p in PdfReader(out).pages)


def test_the_same_booklet_is_drawn_once_and_a_change_shows_at_once(
    client, programme, make_participant, monkeypatch
):
    from meeting_app.documents import booklet

    drawn = []
    real = booklet.render_pdf
    monkeypatch.setattr(booklet, "render_pdf", lambda *a, **k: drawn.append(1) or real(*a, **k))
    first = client.get("/meetings/rabat/agenda.pdf?lang=en").get_data()
    assert client.get("/meetings/rabat/agenda.pdf?lang=en").get_data() == first
    assert len(drawn) == 1
    # A new delegate who agrees to be listed: the next booklet lists them.
    morocco = programme.delegations[0]
    make_participant(
        programme,
        given_name="Karim",
        family_name="Alaoui",
        delegation=morocco,
        consent_public_list=True,
    )
    response = client.get("/meetings/rabat/agenda.pdf?lang=en")
    assert "Alaoui" in _pages(response)[-1] and len(drawn) == 2
