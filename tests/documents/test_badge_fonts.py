"""Badges drawn ahead share their fonts when printed: a print of badges drawn one by
one has no more fonts than the same badges drawn together, about their size, and
reads and scans the same (issue 21)."""

import io

import pikepdf
import pypdfium2
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import ImageChops
from pypdf import PdfReader

from meeting_app.documents import badges, fonts, imposition
from meeting_app.documents.models import BadgeRender
from meeting_app.documents.pdf import render_pdf
from meeting_app.extensions import db

BASE_URL = "http://desk.example"
NAMES = ["Hélène Marchetti", "Айгүл Сыдыкова", "Ñuñez Đorđević", "Zoë Ångström"]
COUNT = 40  # two chunks when drawn together (badges.CHUNK)


@pytest.fixture
def people(open_meeting, make_participant):
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    names = NAMES + [f"Person {n:03d} Quixote" for n in range(COUNT - len(NAMES))]
    for n, name in enumerate(names):
        make_participant(
            meeting,
            badge_name=name,
            given_name=name.split()[0],
            family_name=f"{n:03d} {name.split()[-1]}",  # the list's order: as given
            delegation=senegal,
            organisation="Ministère de l'Intérieur",
        )
    return meeting, badges.select(meeting)


def _font_objects(pdf: bytes) -> tuple[int, int]:
    """The print's font dictionaries and font programs, wherever pages and the forms
    on them use them."""
    document = pikepdf.open(io.BytesIO(pdf))
    found, programs, seen = set(), set(), set()
    pending = [page.obj.get("/Resources") for page in document.pages]
    while pending:
        resources = pending.pop()
        if resources is None or (resources.is_indirect and resources.objgen in seen):
            continue
        if resources.is_indirect:
            seen.add(resources.objgen)
        for font in resources.get("/Font", {}).values():
            found.add(font.objgen)
            descriptor = font.DescendantFonts[0].FontDescriptor
            programs.add(descriptor.FontFile2.objgen)
        for xobject in resources.get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form":
                pending.append(xobject.get("/Resources"))
    return len(found), len(programs)


def _print(app, meeting, people, layout: str) -> bytes:
    with app.test_request_context():
        return badges.badges_pdf(meeting, people, layout=layout, language="en", base_url=BASE_URL)


def _drawn_ahead_and_together(app, meeting, people, layout: str) -> tuple[bytes, bytes]:
    with app.test_request_context():
        assert badges.draw_ahead(meeting, BASE_URL, "a7" if layout == "a4-8" else "a6") == COUNT
    db.session.commit()
    ahead = _print(app, meeting, people, layout)
    db.session.execute(db.delete(BadgeRender))
    db.session.commit()
    return ahead, _print(app, meeting, people, layout)


@pytest.mark.parametrize("layout", ["a6", "a4-4"])
def test_badges_drawn_ahead_print_with_the_fonts_of_badges_drawn_together(people, app, layout):
    meeting, chosen = people
    ahead, together = _drawn_ahead_and_together(app, meeting, chosen, layout)
    # The same badges in one WeasyPrint document: one subset of each font.
    with app.test_request_context():
        views = badges.badge_views(meeting, chosen, "en", BASE_URL)
        one = render_pdf(
            badges.badges_html(meeting, views, "a6", "en"), badges.badges_css("a6"), bare=True
        )
    fonts_in_one = _font_objects(one)
    assert _font_objects(ahead) == fonts_in_one
    assert _font_objects(together) == fonts_in_one
    assert len(ahead) <= 1.2 * len(together)
    # Every badge still reads: the accented and Cyrillic names too, in order.
    pages = PdfReader(io.BytesIO(ahead)).pages
    text = " ".join(" ".join(page.extract_text().split()) for page in pages)
    for name in ("Hélène Marchetti", "Айгүл Сыдыкова", "Ñuñez Đorđević", "Zoë Ångström"):
        assert name in text
    assert text.count("Ministère de l'Intérieur") == COUNT
    assert text.index("Person 000") < text.index("Person 035")
    assert len(pages) == (COUNT if layout == "a6" else COUNT // 4)


def test_a_print_reads_the_badges_drawn_ahead_a_batch_at_a_time(people, app, monkeypatch):
    """Bad outcome avoided: every kept badge read before the first is placed (a
    5,000-badge print held 75 MB of them). Here 7 at a time: every badge in its
    place, the fonts still shared; and a badge drawn again after the print planned
    it (its digest no longer the plan's) is drawn for the print as planned."""
    meeting, chosen = people
    with app.test_request_context():
        assert badges.draw_ahead(meeting, BASE_URL, "a6") == COUNT
    db.session.commit()
    monkeypatch.setattr(badges, "KEPT_BATCH", 7)
    read, drawn = [], []
    real_kept, real_render = badges._kept, badges.render_each

    def kept(ids, format, language, pdfs):
        if pdfs:
            read.append(len(ids))
        return real_kept(ids, format, language, pdfs)

    def render_each(documents, *args, **kwargs):
        drawn.append(sum(html.count('<div class="badge">') for html in documents))
        return real_render(documents, *args, **kwargs)

    def planned(done, _total):  # called first once the print is planned
        if done == COUNT:
            db.session.execute(
                sa.update(BadgeRender)
                .where(BadgeRender.participant_id == chosen[10].id)
                .values(digest="drawn again meanwhile")
            )

    monkeypatch.setattr(badges, "_kept", kept)
    monkeypatch.setattr(badges, "render_each", render_each)
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, chosen, layout="a6", language="en", base_url=BASE_URL, progress=planned
        )
    assert read == [7, 7, 7, 7, 7, 5] and sum(drawn) == 1
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == COUNT
    for page, person in zip(pages, chosen, strict=True):
        assert person.badge_name in page
    fonts_in_print, programs = _font_objects(pdf)
    assert fonts_in_print == programs <= 8  # as drawn together, give or take the late one


def test_a_sheet_of_badges_drawn_ahead_looks_as_drawn_together_and_scans(people, app):
    meeting, chosen = people
    ahead, together = _drawn_ahead_and_together(app, meeting, chosen[:8], "a4-4")
    for number in (0, 1):
        seen = [
            pypdfium2.PdfDocument(pdf)[number].render(scale=2).to_pil().convert("RGB")
            for pdf in (ahead, together)
        ]
        assert ImageChops.difference(*seen).getbbox() is None  # not a pixel apart
    image = pypdfium2.PdfDocument(ahead)[0].render(scale=3).to_pil()
    found = sorted(code.text for code in zxingcpp.read_barcodes(image))
    assert found == sorted(f"{BASE_URL}/desk/badge/{p.badge_code}" for p in chosen[:4])


def _badge(name: str) -> bytes:
    html = f"<html><body style=\"font-family: 'DejaVu Sans'\"><p>{name}</p></body></html>"
    return render_pdf(html, "@page { size: 85.6mm 54mm }", bare=True)


def _altered(pdf: bytes) -> bytes:
    """The badge with another outline for one of its glyphs: a font of the same name
    that is not the same font."""
    document = pikepdf.open(io.BytesIO(pdf))
    (font,) = document.pages[0].Resources.Font.values()
    program = font.DescendantFonts[0].FontDescriptor.FontFile2
    tables = fonts._tables(program.read_bytes())
    glyphs, _metrics = fonts._glyphs(tables)
    gid = max(glyphs)
    data = program.read_bytes()
    at = data.index(glyphs[gid])
    changed = (
        data[:at] + glyphs[gid][:-1] + bytes([glyphs[gid][-1] ^ 1]) + data[at + len(glyphs[gid]) :]
    )
    program.write(changed)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_only_subsets_that_agree_on_every_glyph_they_share_are_merged(app):
    first, second = _badge("Hélène Marchetti"), _badge("Marchetti Hélène")
    assert _font_objects(imposition.impose([first, second])) == (1, 1)
    # Two different fonts under one name are both kept, each for its own badge.
    assert _font_objects(imposition.impose([first, _altered(second)])) == (2, 2)
    # A font this does not merge (a ToUnicode in ranges, say) is copied as it was.
    document = pikepdf.open(io.BytesIO(second))
    (font,) = document.pages[0].Resources.Font.values()
    font.ToUnicode.write(
        font.ToUnicode.read_bytes() + b"\n1 beginbfrange <0000> <0001> <0041> endbfrange"
    )
    out = io.BytesIO()
    document.save(out)
    printed = imposition.impose([first, out.getvalue(), second])
    assert _font_objects(printed) == (2, 2)
    text = [page.extract_text() for page in PdfReader(io.BytesIO(printed)).pages]
    assert text == ["Hélène Marchetti", "Marchetti Hélène", "Marchetti Hélène"]


def test_the_merged_font_program_is_a_sound_truetype_font(app):
    from fontTools.ttLib import TTFont

    printed = imposition.impose([_badge("Hélène"), _badge("Сыдыкова"), _badge("Đorđević")])
    document = pikepdf.open(io.BytesIO(printed))
    (font,) = document.pages[0].Resources.Font.values()
    program = font.DescendantFonts[0].FontDescriptor.FontFile2.read_bytes()
    parsed = TTFont(io.BytesIO(program))
    glyphs = parsed.getGlyphSet()
    assert len(glyphs) == parsed["maxp"].numGlyphs == parsed["hhea"].numberOfHMetrics
    best = parsed.getBestCmap()
    for char in "HélСыдĐđ":
        assert ord(char) in best
        assert parsed["glyf"][best[ord(char)]].numberOfContours != 0
