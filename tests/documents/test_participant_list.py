"""The official list of participants: protocol order in each language, the
provisional and final editions, the same list as PDF, XLSX and DOCX, hostile
names kept inert, and only the meeting's organisers."""

import io
import unicodedata
import zipfile
from datetime import date

import docx
import pytest
from flask_babel import force_locale, gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.desk.models import CheckIn
from meeting_app.documents import participant_list as lop
from meeting_app.extensions import db
from meeting_app.models import utcnow
from meeting_app.registration.models import (
    Category,
    Honorific,
    ParticipantRole,
    RegistrationStatus,
)

URL = "/manage/meetings/{slug}/list-of-participants"


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return unicodedata.normalize("NFKC", text)


def _in_order(text: str, *words: str) -> bool:
    places = [text.index(word) for word in words]
    return places == sorted(places)


@pytest.fixture
def board(make_meeting, make_participant):
    """Rabat (host: Morocco), in French, English and Spanish, with the delegations
    of Jamaica, Ecuador, Bangladesh and Morocco and people of no delegation."""
    meeting = make_meeting(
        slug="board",
        default_language="fr",
        languages=["fr", "en", "es"],
        start_date=date(2022, 6, 13),
        end_date=date(2022, 6, 14),
    )
    delegations = {
        code: Delegation(meeting=meeting, country_code=code) for code in ("JM", "EC", "BD", "MA")
    }
    db.session.add_all(delegations.values())
    db.session.commit()

    def person(family: str, given: str = "Ana", delegation: str | None = None, **values):
        values.setdefault("consent_public_list", True)
        return make_participant(
            meeting,
            family_name=family,
            given_name=given,
            delegation=delegations[delegation] if delegation else None,
            **values,
        )

    people = {
        "benitez": person("Benítez", "Lucía", "EC", position="Adviser"),
        "andrade": person("Andrade", "Pablo", "EC"),
        "zambrano": person("Zambrano", "María", "EC", honorific=Honorific.HE, position="Minister"),
        "campbell": person("Campbell", "Errol", "JM"),
        "brown": person("Brown", "Olive", "JM", role=ParticipantRole.HEAD_OF_DELEGATION),
        "rahman": person("Rahman", "Farida", "BD"),
        "alaoui": person("العلوي", "محمد", "MA", organisation="Ministère"),
        "petrovic": person("Петровић", "Јован", category=Category.ACADEMIA),
        "unhcr": person("Okafor", "Ngozi", category=Category.UN_AGENCY, organisation="UNHCR"),
        "iom": person("Smith", "John", category=Category.UN_AGENCY, organisation="IOM"),
        "oecd": person("Durand", "Claire", category=Category.INTERNATIONAL_ORGANISATION),
        "donor": person("Schmidt", "Eva", category=Category.DONOR, organisation="GIZ"),
        "ngo": person("Diallo", "Awa", category=Category.CIVIL_SOCIETY),
        "firm": person("Tanaka", "Ken", category=Category.PRIVATE_SECTOR),
        "staff": person("Bennani", "Sara", category=Category.HOST_STAFF),
        "secretariat": person(
            "Keller", "Anna", category=Category.UN_AGENCY, role=ParticipantRole.SECRETARIAT
        ),
        # Never listed: not approved, erased, or did not agree to be listed.
        "pending": person("Pending", "Paul", "EC", status=RegistrationStatus.SUBMITTED),
        "erased": person("Erased", "Eve", "EC", erased_at=utcnow()),
        "shy": person("Shy", "Sam", "EC", consent_public_list=False),
    }
    delegations["EC"].head = people["zambrano"]
    db.session.commit()
    return meeting, people


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")


def _build(meeting, language="fr", edition=lop.Edition.PROVISIONAL):
    return lop.build(meeting, language=language, edition=edition, today=date(2022, 6, 10))


def _names(document: lop.ParticipantList) -> list[str]:
    return [e.family_name for group in document.groups for e in group.entries]


def test_french_list_puts_host_first_then_countries_in_french_order_with_heads_first(board):
    meeting, _people = board
    document = _build(meeting)

    headings = [group.heading for group in document.groups]
    assert headings[:4] == ["Maroc", "Bangladesh", "Équateur", "Jamaïque"]
    ecuador = document.groups[2].entries
    # The named head first, then the members by family name.
    assert [e.family_name for e in ecuador] == ["ZAMBRANO", "ANDRADE", "BENÍTEZ"]
    with force_locale("fr"):
        assert ecuador[0].name == f"{gettext('H.E.')} María ZAMBRANO"
    assert ecuador[0].details == "Minister"
    # Jamaica names no head: the person whose role is head comes first.
    assert [e.family_name for e in document.groups[3].entries] == ["BROWN", "CAMPBELL"]
    assert "PENDING" not in _names(document)
    assert "ERASED" not in _names(document)
    assert "SHY" not in _names(document)


def test_each_language_sorts_countries_by_its_own_names(board):
    meeting, _people = board
    meeting.host_country_first = False
    db.session.commit()

    def countries(language):
        return [g.heading for g in _build(meeting, language).groups[:4]]

    assert countries("fr") == ["Bangladesh", "Équateur", "Jamaïque", "Maroc"]
    assert countries("en") == ["Bangladesh", "Ecuador", "Jamaica", "Morocco"]
    assert countries("es")[1:] == ["Ecuador", "Jamaica", "Marruecos"]


def test_people_of_no_delegation_follow_by_group_in_protocol_order(board):
    meeting, _people = board
    document = _build(meeting, "en")
    groups = [(g.heading, [e.family_name for e in g.entries]) for g in document.groups[4:]]
    with force_locale("en"):
        assert groups == [
            (gettext("UN agency"), ["SMITH", "OKAFOR"]),  # by organisation: IOM, UNHCR
            (gettext("Other international organisation"), ["DURAND"]),
            (gettext("Donor"), ["SCHMIDT"]),
            (gettext("Civil society"), ["DIALLO"]),
            (gettext("Private sector"), ["TANAKA"]),
            (gettext("Academia"), ["ПЕТРОВИЋ"]),
            (gettext("Host staff"), ["BENNANI"]),
            (gettext("Secretariat"), ["KELLER"]),
        ]


def test_protocol_order_is_a_pure_function_of_plain_rows():
    rows = [lop.DelegationRow(1, "JM", "Jamaïque", None), lop.DelegationRow(2, "EC", "Équateur", 9)]

    def person(id_, family, delegation_id):
        return lop.Person(
            id_, None, "A", family, "", "", Category.NATIONAL_GOVERNMENT,
            ParticipantRole.DELEGATE, delegation_id,
        )  # fmt: skip

    sections = lop.protocol_order(
        rows,
        [person(1, "Brown", 1), person(8, "Alba", 2), person(9, "Zeta", 2)],
        language="fr",
        host_country_code="JM",
        host_country_first=True,
    )
    assert [s.key.country_code for s in sections] == ["JM", "EC"]
    assert [p.family_name for p in sections[1].people] == ["Zeta", "Alba"]


def test_provisional_pdf_in_french_is_marked_and_ordered(client, organiser, board):
    meeting, _people = board
    response = client.get(URL.format(slug="board") + ".pdf?language=fr")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == 'attachment; filename="board-list-of-participants-fr-provisional.pdf"'
    text = _text(response.data)
    with force_locale("fr"):
        assert gettext("Provisional").upper() in text  # the mark is set in capitals
        assert gettext("List of participants") in text
    assert "Réunion du comité" in text
    assert _in_order(text, "Maroc", "Bangladesh", "Équateur", "Jamaïque", "ПЕТРОВИЋ")
    assert _in_order(text, "ZAMBRANO", "ANDRADE", "BENÍTEZ")
    assert "Јован" in text
    assert "PENDING" not in text


def test_english_pdf_has_its_date_page_numbers_and_mark(client, organiser, board):
    response = client.get(URL.format(slug="board") + ".pdf?language=en&edition=provisional")
    text = _text(response.data)
    pages = len(PdfReader(io.BytesIO(response.data)).pages)
    assert f"Page 1 of {pages}" in text
    assert "PROVISIONAL" in text
    assert "Board meeting" in text
    assert "Ecuador" in text


def test_spanish_pdf_renders(client, organiser, board):
    response = client.get(URL.format(slug="board") + ".pdf?language=es")
    assert response.status_code == 200
    assert "Jamaica" in _text(response.data)


def test_final_edition_lists_only_those_checked_in(client, organiser, board):
    meeting, people = board
    db.session.add_all(
        [
            CheckIn(participant_id=people["andrade"].id, day=meeting.start_date),
            CheckIn(participant_id=people["unhcr"].id, day=meeting.end_date),
            # An undone check-in does not count.
            CheckIn(
                participant_id=people["campbell"].id, day=meeting.start_date, cancelled_at=utcnow()
            ),
        ]
    )
    db.session.commit()

    response = client.get(URL.format(slug="board") + ".pdf?language=fr&edition=final")
    assert response.status_code == 200
    assert "final.pdf" in response.headers["Content-Disposition"]
    text = _text(response.data)
    with force_locale("fr"):
        assert gettext("Final").upper() in text
    assert "ANDRADE" in text
    assert "OKAFOR" in text
    for absent in ("ZAMBRANO", "BENÍTEZ", "CAMPBELL", "BROWN", "RAHMAN"):
        assert absent not in text
    assert _names(_build(meeting, "fr", lop.Edition.FINAL)) == ["ANDRADE", "OKAFOR"]


def test_xlsx_and_docx_hold_the_same_names_in_the_same_order(client, organiser, board):
    meeting, _people = board
    expected = _names(_build(meeting, "fr"))

    xlsx = client.get(URL.format(slug="board") + ".xlsx?language=fr")
    assert xlsx.status_code == 200
    assert xlsx.headers["Content-Disposition"].endswith('-fr-provisional.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Groupe", "Civilité", "Prénom", "Nom de famille", "Fonction", "Organisation")
    assert [row[3] for row in rows[1:]] == expected
    assert rows[1][0] == "Maroc"

    word = client.get(URL.format(slug="board") + ".docx?language=fr")
    assert word.status_code == 200
    assert word.mimetype == lop.MIMETYPES["docx"]
    paragraphs = [p.text for p in docx.Document(io.BytesIO(word.data)).paragraphs]
    people = [text for text in paragraphs if any(name in text for name in expected)]
    assert [next(n for n in expected if n in text) for text in people] == expected
    assert "Équateur" in paragraphs
    with force_locale("fr"):
        assert gettext("List of participants") in paragraphs


def test_hostile_names_are_inert_in_every_format(client, organiser, board, make_participant):
    meeting, _people = board
    make_participant(
        meeting,
        given_name="<script>alert(1)</script>",
        family_name='=HYPERLINK("http://evil.example","x")',
        organisation="<img src=http://evil.example/x>",
        category=Category.DONOR,
        consent_public_list=True,
    )

    pdf = _text(client.get(URL.format(slug="board") + ".pdf?language=en").data)
    assert "<script>alert(1)</script>" in pdf  # printed as text, not run as markup
    assert "<img src=http://evil.example/x>" in pdf

    data = client.get(URL.format(slug="board") + ".xlsx?language=en").data
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    hostile = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert hostile.data_type == "s"
    assert hostile.value == '=HYPERLINK("HTTP://EVIL.EXAMPLE","X")'
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()

    word = client.get(URL.format(slug="board") + ".docx?language=en").data
    texts = [p.text for p in docx.Document(io.BytesIO(word)).paragraphs]
    assert any("<script>alert(1)</script>" in text for text in texts)


def test_language_defaults_to_the_readers_else_the_meetings(client, organiser, board, make_meeting):
    response = client.get(URL.format(slug="board") + ".pdf", headers={"Accept-Language": "es"})
    assert response.headers["Content-Disposition"].endswith('-es-provisional.pdf"')
    make_meeting(slug="french-only", default_language="fr", languages=["fr"])
    response = client.get(URL.format(slug="french-only") + ".xlsx")
    assert response.headers["Content-Disposition"].endswith('-fr-provisional.xlsx"')


def test_unknown_language_edition_or_format_is_404(client, organiser, board, make_meeting):
    make_meeting(slug="two-languages", default_language="fr", languages=["fr", "en"])
    for query in (
        "board/list-of-participants.pdf?language=de",
        "two-languages/list-of-participants.pdf?language=es",
        "board/list-of-participants.pdf?edition=draft",
        "board/list-of-participants.odt",
    ):
        assert client.get(f"/manage/meetings/{query}").status_code == 404, query
    # Empty parameters (a form sent as it is) take the defaults.
    response = client.get(URL.format(slug="board") + ".xlsx?language=&edition=")
    assert response.headers["Content-Disposition"].endswith('-provisional.xlsx"')


def test_another_meetings_organiser_gets_404(client, login, make_user, board, make_meeting):
    other = make_meeting(slug="elsewhere")
    make_user(Role.ORGANISER, "other@example.org", meetings=[other], admin=False)
    login("other@example.org")
    assert client.get(URL.format(slug="board")).status_code == 404
    assert client.get(URL.format(slug="board") + ".pdf").status_code == 404
    assert client.get(URL.format(slug="elsewhere") + ".xlsx").status_code == 200


def test_page_offers_the_meetings_languages_and_counts_those_left_out(client, organiser, board):
    page = client.get(URL.format(slug="board")).get_data(as_text=True)
    assert 'name="edition" value="final"' in page
    assert 'value="es"' in page
    assert "list-of-participants.docx" in page
    assert "1 approved participant" in page  # "Shy" did not agree to be listed
    index = client.get("/manage/meetings/board/registrations/").get_data(as_text=True)
    assert "/manage/meetings/board/list-of-participants" in index


def test_download_is_written_to_the_audit_log(client, organiser, board):
    from meeting_app.privacy.models import AuditEntry

    client.get(URL.format(slug="board") + ".docx?language=fr")
    entry = db.session.execute(db.select(AuditEntry)).scalars().one()
    assert entry.action == "participants.exported"
    assert entry.details.startswith("list of participants, docx, fr, provisional")


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "docx"])
def test_command_writes_the_list(runner, board, tmp_path, fmt):
    out = tmp_path / f"list.{fmt}"
    result = runner.invoke(
        args=["export", "list-of-participants", "--meeting", "board", "--language", "fr"]
        + ["--edition", "provisional", "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "16 participants written" in result.output
    assert out.stat().st_size > 1000


def test_command_refuses_a_language_the_meeting_has_not(runner, make_meeting, tmp_path):
    make_meeting(slug="english-only", languages=["en"])
    result = runner.invoke(
        args=["export", "list-of-participants", "--meeting", "english-only"]
        + ["--language", "fr", "--out", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code != 0
    assert "not held in 'fr'" in result.output


def test_page_numbers_css_escapes_translated_words():
    css = str(lop.page_numbers_css('Página %(page)d de %(pages)d"; }'))
    assert css.startswith('"Página " counter(page) " de " counter(pages) "')
    assert '"; }' not in css
    assert "<" not in str(lop.page_numbers_css("<style> %(page)d"))
