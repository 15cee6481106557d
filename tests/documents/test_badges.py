"""Badges: one per approved participant, every script readable, a QR code that
opens the check-in page, sheets with the right number per page, prints recorded,
and WeasyPrint kept away from files and the network."""

import io
import time

import pypdfium2
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from meeting_app.accounts.models import Role
from meeting_app.core.tasks import commit
from meeting_app.documents import ahead, badges
from meeting_app.documents.models import BadgePrint, BadgeRender
from meeting_app.documents.pdf import RefusedURL, render_pdf
from meeting_app.extensions import db
from meeting_app.registration.models import RegistrationStatus

NAMES = [
    "Ñuñez Đorđević",
    "Айгүл Сыдыкова",
    "سلمى بنعلي",
    "Hélène Marchetti",
    "Maria Fernanda Guamán Loja de la Torre Villavicencio",
]


@pytest.fixture
def people(open_meeting, make_participant):
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    approved = [
        make_participant(
            meeting,
            badge_name=name,
            given_name=name.split()[0],
            family_name=name.split()[-1],
            email=f"b{i}@example.org",
            delegation=senegal,
            organisation="Ministère de l'Intérieur",
        )
        for i, name in enumerate(NAMES)
    ]
    make_participant(meeting, badge_name="Not Approved", status=RegistrationStatus.SUBMITTED)
    return meeting, approved


@pytest.fixture
def host(client, make_user, login, people):
    user = make_user(Role.HOST, "door@example.org", meetings=[people[0]])
    login("door@example.org")
    return user


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


JSON = {"Accept": "application/json"}  # as the badge page's script asks


def print_job(client, **form) -> bytes:
    """Prints badges as the desk's page does: starts a job, follows it, downloads."""
    started = client.post("/desk/meetings/board/badges/jobs", data=form, headers=JSON)
    assert started.status_code == 202, started.get_data(as_text=True)
    job = _follow(client, started.get_json()["status_url"])
    assert job["state"] == "done", job
    response = client.get(job["download_url"])
    assert response.mimetype == "application/pdf"
    return response.get_data()


@pytest.mark.parametrize(("layout", "pages"), [("a6", 5), ("cr80", 5), ("a4-4", 2), ("a4-8", 1)])
def test_one_badge_per_approved_participant_in_each_layout(client, host, people, layout, pages):
    pdf = print_job(client, layout=layout, language="fr")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == pages
    text = _text(pdf)
    assert "Not Approved" not in text
    assert text.count("Sénégal") == 5


def test_every_script_is_drawn_with_real_fonts(people, app):
    meeting, approved = people
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, approved, layout="a6", language="fr", base_url="http://desk.example"
        )
    text = _text(pdf)
    for name in ("Ñuñez", "Đorđević", "Айгүл", "Сыдыкова", "Hélène"):
        assert name in text
    # Arabic comes back in visual or logical order depending on the extractor: both
    # words are there, each shaped from the Arabic font.
    assert "سلمى" in text or "ىملس" in text
    # The fonts the set-up installs (DejaVu covers Latin, Cyrillic and Arabic; Noto
    # fills what it lacks): no fallback "tofu" font drawing empty boxes.
    fonts = _fonts(pdf)
    assert fonts and all(f.startswith(("DejaVu", "Noto")) for f in fonts)


def test_the_qr_code_opens_that_participants_badge_page(client, host, people, app):
    meeting, approved = people
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, approved[:1], layout="a6", language="en", base_url="http://desk.example"
        )
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=4).to_pil()
    (code,) = zxingcpp.read_barcodes(image)
    assert code.text == f"http://desk.example/desk/badge/{approved[0].badge_code}"
    shown = client.get(f"/desk/badge/{approved[0].badge_code}").get_data(as_text=True)
    assert approved[0].badge_name in shown
    assert client.get("/desk/badge/" + "x" * 16).status_code == 404
    assert client.get(f"/desk/badge/{approved[0].token}").status_code == 404


def test_printing_is_recorded_and_a_second_print_is_a_reprint(client, host, people):
    meeting, approved = people
    print_job(client, layout="a6", language="en")
    again = print_job(client, layout="a6", language="en", participant=str(approved[0].id))
    assert len(PdfReader(io.BytesIO(again)).pages) == 1
    prints = db.session.execute(db.select(BadgePrint)).scalars().all()
    assert len(prints) == 6
    assert [p.reprint for p in prints if p.participant_id == approved[0].id] == [False, True]
    # Without the script, the form posts to the same address and gets the page back.
    nothing_left = client.post(
        "/desk/meetings/board/badges/jobs",
        data={"layout": "a6", "language": "en", "not_printed": "y"},
        headers={"Accept-Language": "en"},
    )
    assert nothing_left.mimetype == "text/html"
    assert "No approved participant matches" in nothing_left.get_data(as_text=True)


def test_only_organisers_change_colours_and_only_to_colours(client, people, make_user, login):
    meeting, _approved = people
    make_user(Role.HOST, "door@example.org")
    login("door@example.org")
    assert (
        client.post("/desk/meetings/board/badges/colours", data={"media": "#000000"}).status_code
        == 403
    )
    client.post("/logout")
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    fields = {
        c: "#123456"
        for c in (
            "national_government",
            "local_government",
            "un_agency",
            "international_organisation",
            "donor",
            "private_sector",
            "civil_society",
            "academia",
            "media",
            "host_staff",
        )
    }
    client.post(
        "/desk/meetings/board/badges/colours",
        data={**fields, "media": "red; background: url(file:///etc/passwd)"},
    )
    db.session.refresh(meeting)
    assert meeting.badge_colours == {}
    client.post("/desk/meetings/board/badges/colours", data=fields)
    db.session.refresh(meeting)
    assert meeting.badge_colours["media"] == "#123456"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://documents.invalid/static/../../config.py",
    ],
)
def test_weasyprint_may_not_fetch_files_or_the_network(url):
    with pytest.raises(RefusedURL):
        render_pdf(f'<img src="{url}"><p>x</p>')
    assert render_pdf('<link rel="stylesheet" href="static/css/site.css"><p>ok</p>')


def test_command_line_badges(runner, people, tmp_path, app, monkeypatch):
    meeting, _approved = people
    # A command draws what it prints and leaves no drawing behind to wait for.
    monkeypatch.setitem(app.config, "BADGES_AHEAD", True)
    out = tmp_path / "badges.pdf"
    result = runner.invoke(
        args=["export", "badges", "--meeting", "board", "--out", str(out), "--layout", "a4-8"]
    )
    assert result.exit_code == 0, result.output
    assert len(PdfReader(out).pages) == 1 and "5 badges written" in result.output
    assert db.session.execute(db.select(BadgeRender)).scalars().all() == []


@pytest.mark.parametrize(
    ("layout", "count", "pages"), [("a4-4", 8, 2), ("a4-4", 9, 3), ("a4-8", 8, 1), ("a4-8", 9, 2)]
)
def test_sheets_hold_four_or_eight_badges(people, app, layout, count, pages):
    meeting, approved = people
    selection = (approved * 2)[:count]
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, selection, layout=layout, language="en", base_url="http://desk.example"
        )
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == pages
    first = reader.pages[0].mediabox
    assert (round(float(first.width) / 72 * 25.4), round(float(first.height) / 72 * 25.4)) == (
        210,
        297,
    )


def _follow(client, status_url: str) -> dict:
    """Polls a render job as the page does, until it has finished."""
    for _ in range(200):
        job = client.get(status_url, headers=JSON).get_json()
        if job["state"] not in ("queued", "running"):
            return job
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


def test_a_bulk_print_runs_as_a_job_whose_progress_the_page_follows(client, host, people):
    meeting, approved = people
    started = client.post(
        "/desk/meetings/board/badges/jobs", data={"layout": "a4-8", "language": "en"}, headers=JSON
    )
    assert started.status_code == 202
    assert started.get_json()["total"] == 5
    job = _follow(client, started.get_json()["status_url"])
    assert job["state"] == "done" and job["done"] == job["total"] == 5
    pdf = client.get(job["download_url"])
    assert pdf.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.get_data())).pages) == 1
    # Printed once the PDF exists, as with the plain form.
    assert len(db.session.execute(db.select(BadgePrint)).scalars().all()) == 5


def test_a_job_is_seen_only_by_who_started_it_and_bad_forms_are_refused(
    client, host, people, make_user, login
):
    meeting, approved = people
    # Bad input: an unknown layout, and a filter that matches nobody.
    refused = client.post("/desk/meetings/board/badges/jobs", data={"layout": "a3"}, headers=JSON)
    assert refused.status_code == 422 and "layout" in refused.get_json()["errors"]
    empty = client.post(
        "/desk/meetings/board/badges/jobs",
        data={"layout": "a6", "language": "en", "category": "media"},
        headers={"Accept-Language": "en", **JSON},
    )
    assert empty.status_code == 422
    assert "No approved participant matches" in empty.get_json()["message"]

    started = client.post(
        "/desk/meetings/board/badges/jobs", data={"layout": "a6", "language": "en"}, headers=JSON
    ).get_json()
    job = _follow(client, started["status_url"])
    client.post("/logout")
    make_user(Role.HOST, "other-door@example.org")
    login("other-door@example.org")
    assert client.get(started["status_url"]).status_code == 404
    assert client.get(started["page_url"]).status_code == 404
    assert client.get(job["download_url"]).status_code == 404
    assert client.get("/desk/meetings/board/badges/jobs/..%2F..%2Fconfig").status_code == 404


def test_a_large_set_is_drawn_in_chunks_and_kept_in_order(people, app, make_participant):
    meeting, _approved = people
    many = [
        make_participant(meeting, badge_name=f"Person {i:03d}", family_name=f"P{i:03d}")
        for i in range(100)
    ]
    seen = []
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting,
            many,
            layout="a4-4",
            language="en",
            base_url="http://desk.example",
            progress=lambda done, total: seen.append((done, total)),
        )
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 25
    # Chunks of badges are placed where they belong: the pages keep the selection's order.
    assert "Person 000" in pages[0].extract_text()
    assert "Person 047" in pages[11].extract_text() and "Person 048" in pages[12].extract_text()
    assert "Person 099" in pages[24].extract_text()
    # Progress moves in steps, up to the whole set.
    assert seen[0] == (0, 100) and seen[-1] == (100, 100) and len(seen) > 3
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_each_sheet_holds_its_badges_in_order_with_cut_guides(people, app):
    meeting, approved = people
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, approved, layout="a4-4", language="en", base_url="http://desk.example"
        )
    reader = PdfReader(io.BytesIO(pdf))
    first, second = reader.pages
    assert "Ñuñez" in first.extract_text() and "Guamán" in second.extract_text()
    # One cut guide (a rectangle) around each badge.
    assert first.get_contents().get_data().count(b" re S") == 4
    assert second.get_contents().get_data().count(b" re S") == 1
    # Every QR code on the sheet still scans, each to its own person.
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=3).to_pil()
    found = sorted(code.text for code in zxingcpp.read_barcodes(image))
    assert found == sorted(f"http://desk.example/desk/badge/{p.badge_code}" for p in approved[:4])


@pytest.fixture
def drawing(monkeypatch):
    """How many badges WeasyPrint draws at each call (the rest were drawn before)."""
    drawn: list[int] = []
    real = badges.render_each

    def counting(documents, *args, **kwargs):
        drawn.append(sum(html.count('<div class="badge">') for html in documents))
        return real(documents, *args, **kwargs)

    monkeypatch.setattr(badges, "render_each", counting)
    return drawn


def _print(app, meeting, people, layout="a6", language="en") -> str:
    with app.test_request_context():
        return _text(
            badges.badges_pdf(
                meeting, people, layout=layout, language=language, base_url="http://desk.example"
            )
        )


def _draw_ahead(app, meeting, language="en") -> int:
    with app.test_request_context():
        return badges.draw_ahead(meeting, "http://desk.example", "a6", language)


def test_badges_drawn_ahead_are_placed_not_drawn_again(people, app, drawing):
    meeting, approved = people
    assert _draw_ahead(app, meeting) == 5
    assert len(db.session.execute(db.select(BadgeRender)).scalars().all()) == 5
    # Two layouts of that size, and a reprint of one: nothing more is drawn.
    assert _print(app, meeting, approved).count("Senegal") == 5
    assert _print(app, meeting, approved, "a4-4").count("Senegal") == 5
    assert "Hélène" in _print(app, meeting, approved[3:4])
    assert drawing == [5, 0, 0, 0]
    assert _draw_ahead(app, meeting) == 0


def test_a_changed_badge_is_drawn_again_and_never_printed_stale(people, app, drawing):
    meeting, approved = people
    _draw_ahead(app, meeting)
    approved[3].badge_name = "Hélène Marchetti-Bouregreg"
    db.session.commit()
    text = _print(app, meeting, approved)
    assert drawing == [5, 1]
    assert "Marchetti-Bouregreg" in text
    assert _draw_ahead(app, meeting) == 1
    # A change to the meeting shows on every badge: all are drawn again.
    meeting.badge_colours = {"national_government": "#123456"}
    db.session.commit()
    _print(app, meeting, approved)
    assert drawing[-1] == 5
    # So does another language (the country's name, the category).
    assert "Sénégal" in _print(app, meeting, approved, language="fr") and drawing[-1] == 5


def test_an_erased_participant_leaves_no_drawn_badge(people, app, make_user):
    from meeting_app.privacy.services import erase

    meeting, approved = people
    _draw_ahead(app, meeting)
    erase(approved[0], by_user=make_user())
    db.session.commit()
    kept = db.session.execute(db.select(BadgeRender.participant_id)).scalars().all()
    assert approved[0].id not in kept and len(kept) == 4


def test_badges_are_drawn_ahead_as_registrations_are_approved_and_printed(
    people, app, make_participant, monkeypatch, drawing
):
    meeting, approved = people
    monkeypatch.setitem(app.config, "BADGES_AHEAD", True)
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://meetings.example.org")
    late = make_participant(meeting, badge_name="Late Comer", status=RegistrationStatus.SUBMITTED)
    late.status = RegistrationStatus.APPROVED
    commit()  # the approval: the badges are drawn by a task (here at once, no broker)
    kept = db.session.execute(db.select(BadgeRender)).scalars().all()
    assert {k.participant_id for k in kept} == {p.id for p in [*approved, late]}
    assert {(k.format, k.language) for k in kept} == {("a6", meeting.default_language)}
    # The print on the eve draws nothing: every badge is placed as drawn.
    everyone = badges.select(meeting)
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting,
            everyone,
            layout="a4-4",
            language=meeting.default_language,
            base_url="https://meetings.example.org",
        )
    assert "Late Comer" in _text(pdf) and drawing[-1] == 0
    # A print in another format and language draws its badges now, and ahead for
    # the next print of that kind.
    with app.test_request_context():
        badges.badges_pdf(
            meeting,
            everyone,
            layout="a4-8",
            language="es",
            base_url="https://meetings.example.org",
        )
    commit()
    spanish = db.session.execute(db.select(BadgeRender).filter_by(language="es")).scalars().all()
    assert len(spanish) == 6 and {k.format for k in spanish} == {"a7"}


def test_only_changes_that_show_on_a_badge_start_drawing(
    people, app, make_participant, monkeypatch
):
    meeting, approved = people
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://meetings.example.org")
    started = []
    monkeypatch.setattr(ahead, "request", lambda meeting_id, *args: started.append(meeting_id))
    waiting = make_participant(meeting, status=RegistrationStatus.SUBMITTED)
    approved[0].phone = "+221 33 000 00 00"
    db.session.commit()
    assert started == []  # a registration waiting for approval, a phone number
    approved[0].organisation = "Ministère des Finances"
    db.session.commit()
    waiting.status = RegistrationStatus.APPROVED
    db.session.commit()
    meeting.city = "Dakar"
    db.session.commit()
    assert started == [meeting.id] * 3
    db.session.rollback()


LOGO_RED = (200, 16, 46)  # no category's colour: seen only where the logo is


def _png(width=300, height=120) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), LOGO_RED).save(out, format="PNG")
    return out.getvalue()


def _images_on_first_page(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages[0].images)


def test_organisers_upload_a_logo_for_badges_letters_and_booklet(
    client, people, make_user, login, app
):
    meeting, approved = people
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    upload = client.post(
        "/desk/meetings/board/badges/logo",
        data={"logo": (io.BytesIO(_png(2000, 800)), "logo.png")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Logo saved." in upload.get_data(as_text=True)
    db.session.refresh(meeting)
    assert Image.open(io.BytesIO(meeting.logo_png)).size == (600, 240)  # made smaller
    assert client.get("/desk/meetings/board/badges/logo.png").mimetype == "image/png"
    with app.test_request_context():
        with_logo = badges.badges_pdf(
            meeting, approved[:1], layout="a6", language="en", base_url="http://desk.example"
        )
    # The logo sits at the top right of the badge, in its own colour, on a white tile
    # in the header.
    image = pypdfium2.PdfDocument(with_logo)[0].render(scale=2).to_pil().convert("RGB")
    assert image.getpixel(_px(87.5, 14, 2)) == LOGO_RED
    assert image.getpixel(_px(87.5, 6, 2)) == (255, 255, 255)
    assert image.getpixel(_px(102, 14, 2)) == (11, 46, 89)  # the header's colour
    booklet = client.get("/meetings/board/agenda.pdf")
    assert _images_on_first_page(booklet.get_data()) == 1

    client.post("/desk/meetings/board/badges/logo/delete")
    db.session.refresh(meeting)
    assert meeting.logo_png is None


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("logo.png", b"not an image at all"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b"GIF89a" + b"\x00" * 40),
    ],
)
def test_a_logo_that_is_not_a_png_or_jpeg_is_refused(
    client, people, make_user, login, filename, content
):
    meeting, _approved = people
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    page = client.post(
        "/desk/meetings/board/badges/logo",
        data={"logo": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "PNG or JPEG" in page
    db.session.refresh(meeting)
    assert meeting.logo_png is None


def test_hosts_cannot_change_the_logo(client, host, people):
    response = client.post(
        "/desk/meetings/board/badges/logo",
        data={"logo": (io.BytesIO(_png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


MM = 72 / 25.4  # points


def _px(x_mm: float, y_mm: float, scale: float) -> tuple[int, int]:
    """A point on a page rendered at `scale` (72 dpi × scale), from the top left."""
    return round(x_mm * MM * scale), round(y_mm * MM * scale)


def _badge(meeting, participants, format: str, app) -> bytes:
    """Badges of one format, one per page, as a print draws them."""
    with app.test_request_context():
        views = badges.badge_views(meeting, participants, "en", "http://desk.example", format)
        html = badges.badges_html(meeting, views, format, "en")
        return render_pdf(html, badges.badges_css(format), bare=True)


def _word_boxes(page, word: str) -> list[list[tuple[float, float, float, float]]]:
    """Each occurrence of `word` on the page: its characters' boxes (as high as the
    font's line), in millimetres from the top left (left, top, right, bottom)."""
    text = page.get_textpage()
    height = page.get_height()
    search = text.search(word, match_case=True, match_whole_word=True)
    found = []
    while (hit := search.get_next()) is not None:
        index, count = hit
        boxes = []
        for i in range(index, index + count):
            left, bottom, right, top = text.get_charbox(i, loose=True)
            boxes.append((left / MM, (height - top) / MM, right / MM, (height - bottom) / MM))
        found.append(boxes)
    return found


def test_a_badge_without_logo_is_a_conference_badge(people, app):
    """The default design, without a logo: before, the meeting's title sat in small
    grey type at the top and the upper two thirds of an A6 badge were empty."""
    meeting, approved = people
    pdf = _badge(meeting, approved[:1], "a6", app)
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=2).to_pil().convert("RGB")
    navy = (11, 46, 89)  # national government's colour
    # A header block in the category's colour, holding the title and the dates; the
    # category's band at the foot.
    assert all(image.getpixel(_px(x, 3, 2)) == navy for x in (2, 52, 103))
    assert all(image.getpixel(_px(x, 145, 2)) == navy for x in (2, 52, 103))
    text = page.get_textpage().get_text_range()
    assert "Board meeting" in text and "2027" in text
    assert "Senegal · SN" in text and "DELEGATE" in text and "National government" in text
    # The name, large and centred, in the upper two thirds below the header.
    (boxes,) = _word_boxes(page, "Đorđević")
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    assert abs((left + right) / 2 - 52.5) < 2
    assert top > 28 and bottom < 99
    assert bottom - top > 6  # capitals over 6 mm tall: read from two metres


# Each up to 60 characters: many words, wide letters, a double-barrelled name.
LONG_NAMES = [
    "Maria Fernanda Guamán Loja de la Torre Villavicencio Sánchez",
    "Айгүл Сыдыкова Нурбековна Жээнбекова Токтогулова Асанова",
    "WOLFGANG MAXIMILIAN WŁODZIMIERZ MWANGI WAMWEMWE NWOKOMOW",
    "Hélène Marchetti-Bouregreg de Saint-Exupéry-Montmorency",
]
# Where the name may go (mm from the top left): below the header, beside or above
# the QR code, inside the side margins.
NAME_AREAS = {"a6": (6, 28, 99, 100), "a7": (5, 12, 79, 64), "cr80": (4, 10, 65.6, 46)}


@pytest.mark.parametrize("format", ["a6", "a7", "cr80"])
def test_long_names_fit_their_badge_without_a_word_broken(people, app, make_participant, format):
    """Names of up to 60 characters: before, they were broken inside words
    ("Yá-nez", `hyphens: auto` and `overflow-wrap: anywhere`) or ran into the QR
    code on small cards."""
    meeting, _approved = people
    assert all(len(name) <= 60 for name in LONG_NAMES)
    participants = [
        make_participant(meeting, badge_name=name, organisation="Ministry of Foreign Affairs")
        for name in LONG_NAMES
    ]
    document = pypdfium2.PdfDocument(_badge(meeting, participants, format, app))
    x0, y0, x1, y1 = NAME_AREAS[format]
    for page, name in zip(document, LONG_NAMES, strict=True):
        for word in name.split():
            found = _word_boxes(page, word)
            assert found, f"{word!r} is not on the badge whole"
            for boxes in found:
                tops = [b[1] for b in boxes]
                assert max(tops) - min(tops) < 1, f"{word!r} is broken across lines"
                assert all(x0 - 0.5 <= b[0] and b[2] <= x1 + 0.5 for b in boxes), word
                assert all(y0 <= b[1] and b[3] <= y1 for b in boxes), word


def test_arabic_names_are_set_right_to_left_in_an_arabic_font(people, app):
    """An Arabic name: before, `dir="auto"` did nothing (the bare user-agent styles
    know no `dir`) and the name was drawn in DejaVu's Arabic, left-aligned."""
    meeting, approved = people
    arabic = approved[2]  # سلمى بنعلي
    with app.test_request_context():
        views = badges.badge_views(meeting, approved, "en", "http://desk.example")
        html = badges.badges_html(meeting, views, "a6", "en")
    assert [v.name_dir for v in views] == ["ltr", "ltr", "rtl", "ltr", "ltr"]
    assert f'dir="rtl" style="font-size: {views[2].name_size}pt;">' in html
    fonts = _fonts(_badge(meeting, [arabic], "a6", app))
    assert "Noto-Naskh-Arabic-Bold" in fonts
    assert badges.direction("  123 — سلمى") == "rtl"  # the first strong letter decides
    assert badges.direction("Salma سلمى") == "ltr"


@pytest.mark.parametrize("layout", ["a4-4", "a4-8"])
def test_a4_sheets_leave_the_outer_4mm_blank(people, app, layout):
    """Most printers can't print within 4 mm of the edge: before, four A6 badges (or
    eight A7) filled the A4 sheet, their colour bands and cut guides at the edge."""
    meeting, approved = people
    with app.test_request_context():
        pdf = badges.badges_pdf(
            meeting, approved, layout=layout, language="en", base_url="http://desk.example"
        )
    scale = 100 / 72  # 100 dpi: 4 mm is 15.7 pixels
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=scale).to_pil().convert("L")
    strip = round(4 * MM * scale)
    width, height = image.size
    for box in (
        (0, 0, width, strip),
        (0, height - strip, width, height),
        (0, 0, strip, height),
        (width - strip, 0, width, height),
    ):
        assert image.crop(box).getextrema() == (255, 255), box
    # And the badges are still there, inside.
    assert image.crop((strip, strip, width - strip, height - strip)).getextrema()[0] < 50


def test_a_new_badge_design_draws_kept_badges_again(people, app, drawing, monkeypatch):
    """Badges drawn with the former stylesheet are not placed in a print once it
    changes (the template is summed up the same way, by drawing it around nobody)."""
    meeting, approved = people
    _draw_ahead(app, meeting)
    real = badges._css_file()
    monkeypatch.setattr(badges, "_css_file", lambda: real + "\n.badge-name { color: #222; }")
    _print(app, meeting, approved)
    assert drawing == [5, 5]


def test_text_on_a_light_category_colour_is_dark(people, app):
    """A meeting may pick a light colour for a category: before, the band's text
    stayed white on it (yellow: 1.3:1)."""
    meeting, approved = people
    meeting.badge_colours = {"national_government": "#ffe066"}
    db.session.commit()
    with app.test_request_context():
        (view,) = badges.badge_views(meeting, approved[:1], "en", "http://desk.example")
    assert view.ink == "#111111"
    assert badges.ink(badges.DEFAULT_COLOURS[badges.Category.UN_AGENCY]) == "#ffffff"
