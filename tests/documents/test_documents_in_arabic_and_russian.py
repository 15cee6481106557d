"""Documents in Arabic and Russian (issue 22): badges, letters, the programme booklet
and the list of participants in Arabic are laid out right to left in an Arabic
font, whoever asks for them; Latin names and codes inside them stay left to
right; in Russian they are in Cyrillic and in Russian order; dates are Babel's for
the document's language. Read back with poppler, as a reader would see them (one
or two renders a test: PDFs are slow)."""

import io
import zipfile
from datetime import date, time

import pypdfium2
import pytest
from babel.dates import format_date
from docx import Document as WordDocument
from docx.oxml.ns import qn
from openpyxl import load_workbook
from PIL import ImageChops

from meeting_app.agenda import services
from meeting_app.delegations.models import Delegation
from meeting_app.documents import badges, booklet
from meeting_app.documents import participant_list as lop
from meeting_app.documents.models import BadgeRender
from meeting_app.documents.pdf import bidi
from meeting_app.extensions import db
from meeting_app.registration.models import Category, Honorific
from tests.agenda.conftest import CHAIR
from tests.documents import poppler

BASE_URL = "http://desk.example"
ARABIC_FONTS = {"Noto-Naskh-Arabic", "Noto-Naskh-Arabic-Bold", "Noto-Sans-Arabic"}
JUNE = {lang: format_date(date(2022, 6, 13), "MMMM", locale=lang) for lang in ("ar", "ru")}


@pytest.fixture
def meeting(rabat):
    """Rabat, 13–14 June 2022, with its title in Arabic and Russian and five
    delegations."""
    rabat.title = {
        "fr": "Comité du programme",
        "en": "Programme Board",
        "ar": "مجلس البرنامج",
        "ru": "Совет программы",
    }
    rabat.languages = ["fr", "en", "ar", "ru"]
    rabat.signatory_name = "Amal El Fassi"
    rabat.host_country_first = False
    db.session.add_all(
        Delegation(meeting=rabat, country_code=code) for code in ("MA", "KG", "BD", "EC", "JM")
    )
    db.session.commit()
    return rabat


def _delegation(meeting, code: str) -> Delegation:
    return next(d for d in meeting.delegations if d.country_code == code)


@pytest.fixture
def alaoui(meeting, make_participant):
    return make_participant(
        meeting,
        honorific=Honorific.MR,
        given_name="محمد",
        family_name="العلوي",
        badge_name="محمد العلوي",
        organisation="وزارة الخارجية",
        delegation=_delegation(meeting, "MA"),
        consent_public_list=True,
        needs_visa_letter=True,
        nationality_code="MA",
        passport_number="AB123456",
        preferred_language="ar",
    )


def test_text_people_typed_keeps_its_own_direction_inside_a_document():
    arabic, english = bidi("ar"), bidi("en")
    assert (arabic["dir"], english["dir"], bidi("ru")["dir"]) == ("rtl", "ltr", "ltr")
    # Only where it differs from the page's, and escaped as any text.
    assert str(arabic["own"]("Maria <b>")) == '<bdi dir="ltr">Maria &lt;b&gt;</bdi>'
    assert str(arabic["own"]("AB-123")) == '<bdi dir="ltr">AB-123</bdi>'
    assert str(arabic["own"]("محمد")) == "محمد"
    assert str(english["own"]("محمد")) == '<bdi dir="rtl">محمد</bdi>'
    assert str(english["own"]("Айгуль")) == "Айгуль"


def test_an_arabic_badge_reads_right_to_left_in_an_arabic_font(app, meeting, alaoui):
    with app.test_request_context():
        pdf = badges.badges_pdf(meeting, [alaoui], layout="cr80", language="ar", base_url=BASE_URL)
    text = poppler.text(pdf)
    assert "محمد العلوي" in text and "مجلس البرنامج" in text and "المغرب" in text
    assert JUNE["ar"] in text and "2022" in text and "June" not in text
    assert ARABIC_FONTS & set(poppler.fonts(pdf))
    # Mirrored: the title starts at the right, the name sits right of the QR code.
    width, _lines, words = poppler.layout(pdf)
    assert poppler.word(words, "مجلس").left > width / 2
    name = poppler.word(words, "العلوي")
    assert (name.left + name.right) / 2 > width / 2


def test_arabic_badges_drawn_ahead_print_as_drawn_together(app, meeting, make_participant):
    """Arabic glyphs are shaped (each letter takes its joined form): the badges drawn
    one by one still merge into one font each, and print as if drawn together."""
    for name in ("فاطمة الزهراء بنعلي", "عبد الرحمن التونسي", "ليلى بن يوسف", "Maria González"):
        make_participant(meeting, badge_name=name, organisation="وزارة الداخلية")
    people = badges.select(meeting)
    with app.test_request_context():
        assert badges.draw_ahead(meeting, BASE_URL, "a6", "ar") == 4
        db.session.commit()
        ahead = badges.badges_pdf(meeting, people, layout="a4-4", language="ar", base_url=BASE_URL)
        db.session.execute(db.delete(BadgeRender))
        db.session.commit()
        together = badges.badges_pdf(
            meeting, people, layout="a4-4", language="ar", base_url=BASE_URL
        )
    # One font of each kind, as drawn together (pdffonts lists the fonts of the
    # sheets' placed badges too).
    assert sorted(poppler.fonts(ahead)) == sorted(poppler.fonts(together))
    assert "Noto-Naskh-Arabic-Bold" in poppler.fonts(ahead)
    seen = [
        pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil().convert("RGB")
        for pdf in (ahead, together)
    ]
    assert ImageChops.difference(*seen).getbbox() is None  # not a pixel apart
    text = poppler.text(ahead)
    for name in ("فاطمة الزهراء بنعلي", "عبد الرحمن التونسي", "ليلى بن يوسف", "Maria González"):
        assert name in text
    assert text.count("وزارة الداخلية") == 4


def test_an_invitation_letter_in_arabic_whoever_reads_it(client, meeting, alaoui):
    # Asked for from an English browser: the letter is in the participant's language.
    response = client.get(f"/r/{alaoui.token}/letter.pdf", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    pdf = response.get_data()
    text = poppler.text(pdf)
    assert "محمد العلوي" in text and "المغرب" in text
    assert JUNE["ar"] in text and "June" not in text
    # Codes stay left to right inside the Arabic text.
    assert "AB123456" in text and f"RABAT/VL/{alaoui.id:05d}" in text
    assert ARABIC_FONTS & set(poppler.fonts(pdf))
    # The letterhead and the details start at the right; the details' rule too.
    width, lines, words = poppler.layout(pdf)
    assert lines[0].left > width / 2
    assert poppler.word(words, "AB123456").right > width * 0.75


def test_the_programme_booklet_in_arabic_mirrors(app, meeting, alaoui, add_session):
    add_session(
        title="Ouverture (UNDP)", start=time(9), end=time(10, 30), people=[(alaoui.id, CHAIR)]
    )
    services.publish(meeting)
    db.session.commit()
    with app.test_request_context():
        pdf = booklet.booklet_pdf(meeting, language="ar")
    text = poppler.text(pdf)
    assert "مجلس البرنامج" in text and JUNE["ar"] in text and "محمد العلوي" in text
    width, _lines, words = poppler.layout(pdf, page=2)
    clock = next(box for box in words if "09:00" in box.text)  # 09:00–10:30
    title = poppler.word(words, "Ouverture")
    assert clock.left > title.right and clock.left > width / 2  # the times' column on the right
    # A Latin title, brackets and all, reads as typed inside the Arabic page.
    assert poppler.word(words, "(UNDP)").left > title.right


def _list_people(meeting, make_participant):
    for family, given, country in (
        ("Жукова", "Анна", "KG"),
        ("Ёлкина", "Мария", "KG"),
        ("Абрамов", "Бакыт", "KG"),
        ("Ежова", "Айгуль", "KG"),
        ("Rahman", "Farida", "BD"),
        ("Andrade", "Pablo", "EC"),
        ("Brown", "Olive", "JM"),
    ):
        make_participant(
            meeting,
            family_name=family,
            given_name=given,
            delegation=_delegation(meeting, country),
            consent_public_list=True,
        )
    make_participant(
        meeting,
        family_name="González",
        given_name="Maria",
        organisation="UNDP",
        category=Category.UN_AGENCY,
        consent_public_list=True,
    )


def _in_order(text: str, *words: str) -> bool:
    places = [text.index(word) for word in words]
    return places == sorted(places)


def test_the_list_of_participants_in_russian_is_in_russian_order(meeting, make_participant):
    _list_people(meeting, make_participant)
    document = lop.build(
        meeting, language="ru", edition=lop.Edition.PROVISIONAL, today=date(2022, 6, 14)
    )
    text = poppler.text(lop.to_pdf(document))
    assert "Совет программы" in text and "Список участников" in text
    assert "14 июня 2022" in text
    # Countries as Russian sorts their names (Bangladesh, Kyrgyzstan, Ecuador,
    # Jamaica), and people within a delegation: Ё with Е, not before А as in Unicode.
    assert _in_order(text, "Бангладеш", "Киргизия", "Эквадор", "Ямайка")
    assert _in_order(text, "Бакыт АБРАМОВ", "Айгуль ЕЖОВА", "Мария ЁЛКИНА", "Анна ЖУКОВА")


def test_the_list_of_participants_in_arabic_runs_right_to_left_in_each_format(
    meeting, make_participant, alaoui
):
    _list_people(meeting, make_participant)
    document = lop.build(meeting, language="ar", edition=lop.Edition.PROVISIONAL)

    pdf = lop.to_pdf(document)
    text = poppler.text(pdf)
    assert "قائمة المشاركين" in text and "السيد محمد العلوي" in text
    assert "Maria GONZÁLEZ" in text and "Анна ЖУКОВА" in text
    assert ARABIC_FONTS & set(poppler.fonts(pdf))
    width, _lines, words = poppler.layout(pdf)
    assert poppler.word(words, "المشاركين").right > width * 0.75  # the heading at the right
    assert poppler.word(words, "GONZÁLEZ").right > width * 0.75  # so is a Latin name

    word = WordDocument(io.BytesIO(lop.to_docx(document)))
    normal = word.styles["Normal"].element
    assert normal.pPr.find(qn("w:bidi")) is not None  # every paragraph right to left
    assert word.sections[0]._sectPr.find(qn("w:bidi")) is not None
    runs = {
        run.text.strip(): run.font.rtl for paragraph in word.paragraphs for run in paragraph.runs
    }
    assert runs["السيد محمد العلوي"] is True and not runs["Maria GONZÁLEZ"]

    workbook = load_workbook(io.BytesIO(lop.to_xlsx(document)))
    assert workbook.worksheets[0].sheet_view.rightToLeft
    english = lop.build(meeting, language="en", edition=lop.Edition.PROVISIONAL)
    with zipfile.ZipFile(io.BytesIO(lop.to_xlsx(english))) as file:
        assert b"rightToLeft" not in file.read("xl/worksheets/sheet1.xml")
