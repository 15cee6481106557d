"""Uploaded files: judged by their content, cleaned of what they carry besides the
picture, kept across a form sent with errors under a signed id, served so that no
browser runs them, and deleted when nobody took them.

The bad input of the issue, each tried here: a file named and starting like a
PDF that is garbage, a PDF with JavaScript, an encrypted PDF, polyglots (a PDF
header then HTML; a valid PDF with HTML after it; a JPEG with a ZIP or HTML
after it), an SVG and an HTML page sent as a photo, decompression bombs (a PNG
declaring 50,000 × 50,000 pixels, one of 10,000 × 10,000, one of 7,000 × 7,000),
a 30,000-pixel-wide image, a file over the size limit, photos with EXIF GPS,
comments and text chunks, hostile file names, forged and borrowed signed ids."""

import base64
import hashlib
import io
import json
import struct
import zipfile
import zlib
from datetime import timedelta

import pikepdf
import pytest
import sqlalchemy as sa
from flask import current_app
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from PIL import ExifTags, Image, ImageCms, ImageFile, PngImagePlugin

from meeting_app.extensions import db
from meeting_app.files import services as files
from meeting_app.files.models import StoredFile
from meeting_app.models import utcnow

MB = 1_000_000
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


def pdf_bytes(javascript: str = "") -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    if javascript:
        pdf.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String(javascript)
        )
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    return out.getvalue()


def image_bytes(size=(40, 30), fmt="JPEG", color="red", mode="RGB", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, fmt, **save)
    return out.getvalue()


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "Spy camera"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (34.0, 1.0, 14.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (6.0, 50.0, 2.0)
    return exif


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header declares width × height 1-bit pixels (a
    decompression bomb: Pillow would need width × height bytes to decode it)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width // 8 + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def refused(data: bytes, allowed=files.DOCUMENTS, max_bytes: int = 10 * MB) -> str:
    with pytest.raises(files.FileRefused) as caught:
        files.check(data, allowed, max_bytes)
    return caught.value.code


# What a file is, by its content


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (SVG, None),
        (HTML, None),
        (b"PK\x03\x04zip", None),
        (b"GIF89a", None),
        (b"  %PDF-1.7", None),  # not at the start
        (b"", None),
    ],
)
def test_a_file_is_known_by_its_first_bytes_only(data, kind):
    assert files.sniff(data) == kind


def test_a_real_pdf_jpeg_and_png_pass():
    assert files.check(pdf_bytes(), files.DOCUMENTS, MB) == "application/pdf"
    assert files.check(image_bytes(fmt="JPEG"), files.DOCUMENTS, MB) == "image/jpeg"
    assert files.check(image_bytes(fmt="PNG"), files.IMAGES, MB) == "image/png"


# PDFs


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4 garbage",
        b"%PDF-1.4\n" + HTML,  # a polyglot: a PDF header, then a web page
        pdf_bytes()[:200],  # truncated
    ],
)
def test_a_file_that_claims_to_be_a_pdf_but_is_not_is_refused(data):
    assert refused(data) == "not_pdf"


def test_a_pdf_with_javascript_is_refused():
    assert refused(pdf_bytes("app.alert(1)")) == "javascript"


def test_a_pdf_with_a_password_is_refused():
    assert refused(encrypted_pdf()) == "encrypted"


def test_a_pdf_when_only_photos_are_taken_is_refused_as_the_wrong_type():
    assert refused(pdf_bytes(), allowed=files.IMAGES) == "type"


def test_a_file_over_the_limit_is_refused_with_the_limit(app):
    data = pdf_bytes()
    assert files.check(data, files.DOCUMENTS, len(data)) == "application/pdf"  # just fits
    with pytest.raises(files.FileRefused) as caught:
        files.check(data + b"%", files.DOCUMENTS, len(data))
    assert caught.value.code == "too_large" and caught.value.limit == len(data)
    # A 50 MB upload against a 2.5 MB limit, said in the reader's language.
    with pytest.raises(files.FileRefused) as caught:
        files.check(b"%PDF-" + b"0" * 50 * MB, files.DOCUMENTS, 2_500_000)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert files.message(caught.value) == (
            "This file is larger than 2.5 MB: send a smaller one."
        )
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert "2,5" in files.message(caught.value)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("not_pdf", "not a PDF document"),
        ("javascript", "contains JavaScript"),
        ("encrypted", "protected by a password"),
        ("image", "cannot be read"),
    ],
)
def test_each_refusal_is_said_in_a_sentence(app, code, says):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert says in files.message(files.FileRefused(code))
        pdf_only = files.FileRefused("type", allowed=frozenset({files.PDF}))
        assert files.message(pdf_only).startswith("This file is not a PDF document")
        anything = files.FileRefused("type")
        assert "not a PDF document or a JPEG or PNG image" in files.message(anything)


# Images


@pytest.mark.parametrize("data", [SVG, HTML, b"GIF89a\x01\x00\x01\x00", b"PK\x03\x04"])
def test_an_svg_or_html_page_sent_as_a_photo_is_refused(app, data):
    assert refused(data, allowed=files.IMAGES) == "type"
    with pytest.raises(files.FileRefused) as caught:
        files.photo(data)
    assert caught.value.code == "type"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "not a JPEG or PNG image" in files.message(caught.value)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG by its start, nothing after
        b"\x89PNG\r\n\x1a\n" + HTML,
        image_bytes(fmt="PNG")[:60],  # truncated
        image_bytes(fmt="JPEG")[:-120],
    ],
)
def test_an_image_that_does_not_decode_is_refused(data, monkeypatch):
    # WeasyPrint lets Pillow fill truncated images with grey, process-wide: not
    # uploads, and WeasyPrint keeps its setting.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert refused(data, allowed=files.IMAGES) == "image"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (50_000, 50_000),  # past twice Pillow's own limit: its error
        (10_000, 10_000),  # past Pillow's limit: its warning
        (7_000, 7_000),  # 49 megapixels: ours
        (30_000, 2),  # few pixels, but a side no photo has
    ],
)
def test_a_decompression_bomb_or_a_huge_image_is_refused_before_decoding(app, width, height):
    data = png_declaring(width, height)
    assert len(data) < 20_000
    assert refused(data, allowed=files.IMAGES) == "pixels"
    with pytest.raises(files.FileRefused) as caught:
        files.photo(data)
    assert caught.value.code == "pixels"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert files.message(caught.value) == (
            "This image is too large: at most 40 megapixels, and 12,000 pixels a side. "
            "Send a smaller copy."
        )


def test_a_real_30000_pixel_wide_image_is_refused():
    assert refused(image_bytes((30_000, 2), fmt="PNG", mode="L"), allowed=files.IMAGES) == "pixels"


def test_a_real_1_bit_image_of_45_megapixels_is_refused():
    data = image_bytes((9_000, 5_000), fmt="PNG", mode="1", color=0)
    assert len(data) < 100_000  # what the upload weighs...
    assert refused(data, allowed=files.IMAGES) == "pixels"  # ...not what it would decode to


@pytest.mark.parametrize(
    ("appended", "marker"),
    [
        (HTML, b"<script>"),
        (None, b"PK\x03\x04"),  # a ZIP
    ],
)
def test_what_is_appended_to_an_image_does_not_survive_cleaning(appended, marker):
    if appended is None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("payload.html", HTML)
        appended = archive.getvalue()
    polyglot = image_bytes((64, 48), fmt="JPEG") + appended
    assert files.check(polyglot, files.IMAGES, MB) == "image/jpeg"  # it does decode
    cleaned = files.clean_image(polyglot, "image/jpeg")
    assert marker not in cleaned and b"alert" not in cleaned
    assert opened(cleaned).size == (64, 48) and opened(cleaned).format == "JPEG"
    assert marker not in files.photo(polyglot)


def test_exif_with_gps_and_comments_are_stripped_and_the_orientation_applied():
    # A picture 40 wide and 30 high, taken turned: the camera says rotate it.
    jpeg = image_bytes((40, 30), fmt="JPEG", exif=gps_exif(orientation=6), comment=b"at home")
    assert opened(jpeg).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # there before
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Rue des Consuls, Rabat")
    png = image_bytes((40, 30), fmt="PNG", exif=gps_exif(orientation=6), pnginfo=info)

    for data, kind in ((jpeg, "image/jpeg"), (png, "image/png")):
        cleaned = opened(files.clean_image(data, kind))
        assert cleaned.format == ("JPEG" if kind == "image/jpeg" else "PNG")
        assert dict(cleaned.getexif()) == {}
        assert "comment" not in cleaned.info and "Comment" not in cleaned.info
        assert cleaned.size == (30, 40)  # upright
        picture = opened(files.photo(data))
        assert picture.format == "JPEG" and dict(picture.getexif()) == {}
        assert "comment" not in picture.info
    assert b"Rabat" not in files.clean_image(png, "image/png")
    assert b"Spy camera" not in files.clean_image(jpeg, "image/jpeg")


def test_colour_profiles_go_with_the_colours_turned_into_srgb():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tagged = image_bytes(fmt="JPEG", icc_profile=profile)
    cmyk = image_bytes(fmt="JPEG", mode="CMYK", color=(0, 255, 255, 0))  # print red
    assert opened(tagged).info.get("icc_profile")
    for data in (tagged, cmyk):
        cleaned = opened(files.clean_image(data, "image/jpeg"))
        assert cleaned.mode == "RGB" and "icc_profile" not in cleaned.info
        assert "icc_profile" not in opened(files.photo(data)).info
    assert opened(files.clean_image(cmyk, "image/jpeg")).getpixel((5, 5)) == pytest.approx(
        (255, 0, 0), abs=8
    )


def test_a_png_keeps_its_transparency_and_a_photo_of_it_gets_a_white_background():
    data = image_bytes((35, 45), fmt="PNG", mode="RGBA", color=(0, 0, 255, 0))
    assert opened(files.clean_image(data, "image/png")).getpixel((5, 5))[3] == 0
    assert opened(files.photo(data)).getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)


# Passport photos


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((2000, 1000), (420, 540)),  # landscape: the centre, shrunk
        ((1000, 3000), (420, 540)),  # tall
        ((3500, 4500), (420, 540)),  # already 35:45
        ((100, 100), (78, 100)),  # small: cropped, never enlarged
    ],
)
def test_a_photo_is_cut_to_the_passport_ratio_and_at_most_420_by_540(size, expected):
    picture = opened(files.photo(image_bytes(size)))
    assert picture.format == "JPEG" and picture.size == expected
    assert picture.width / picture.height == pytest.approx(35 / 45, abs=0.01)


def halves(size=(700, 450)) -> bytes:
    """Red on the left, blue on the right."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_box_drawn_in_the_browser_is_the_part_kept():
    # The right half (a 350 × 450 box: 35:45 already), then the left one.
    right = opened(files.photo(halves(), crop=(0.5, 0.0, 0.5, 1.0)))
    assert right.size == (350, 450)
    assert right.getpixel((175, 225)) == pytest.approx((0, 0, 255), abs=8)
    assert right.getpixel((10, 10)) == pytest.approx((0, 0, 255), abs=8)
    left = opened(files.photo(halves(), crop=(0.0, 0.0, 0.5, 1.0)))
    assert left.getpixel((340, 440)) == pytest.approx((255, 0, 0), abs=8)
    # Without a box, the centre: red on the left, blue on the right.
    centre = opened(files.photo(halves()))
    assert centre.getpixel((10, 225)) == pytest.approx((255, 0, 0), abs=8)
    assert centre.getpixel((centre.width - 10, 225)) == pytest.approx((0, 0, 255), abs=8)


def test_a_box_of_another_ratio_is_narrowed_to_the_passport_one_within_it():
    picture = opened(files.photo(halves(), crop=(0.5, 0.0, 0.5, 0.5)))  # 350 × 225
    assert picture.width / picture.height == pytest.approx(35 / 45, abs=0.01)
    assert picture.getpixel((5, 5)) == pytest.approx((0, 0, 255), abs=8)


@pytest.mark.parametrize(
    "crop",
    [
        (float("nan"), 0, 1, 1),
        (0.2, 0.2, 0, 0),
        (-5, -5, -1, 3),
        (2, 2, 1, 1),  # outside the picture
        ("x", 0, 1, 1),
    ],
)
def test_a_nonsense_box_falls_back_to_the_centre(crop):
    assert files.photo(halves(), crop=crop) == files.photo(halves())


def test_a_box_past_the_edges_is_kept_within_the_picture():
    picture = opened(files.photo(halves(), crop=(0.5, 0.0, 3.0, 3.0)))
    assert picture.size == (350, 450)
    assert picture.getpixel((5, 5)) == pytest.approx((0, 0, 255), abs=8)


# File names


@pytest.mark.parametrize(
    ("name", "kind", "cleaned"),
    [
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\ana\\Agenda.PDF", "application/pdf", "Agenda.pdf"),
        ("a\r\nBcc: spy@example.com.pdf", "application/pdf", "a Bcc_ spy@example.com.pdf"),
        ("\u202egnp.exe", "image/png", "gnp.exe.png"),  # the override shows "exe.png"
        ("nul\x00byte.jpg", "image/jpeg", "nul byte.jpg"),
        ('say "hi" <b>.png', "image/png", "say _hi_ _b_.png"),
        ("passport.jpeg", "image/jpeg", "passport.jpg"),
        ("passport.JPG", "image/png", "passport.png"),  # what it is, not what it says
        ("scan.png", "application/pdf", "scan.pdf"),
        ("page.html", "image/jpeg", "page.html.jpg"),
        ("...", "application/pdf", "document.pdf"),
        ("", "image/jpeg", "image.jpg"),
        ("é" * 300 + ".png", "image/png", "é" * 196 + ".png"),
        ("Photo d'identité – Zoé.jpg", "image/jpeg", "Photo d'identité – Zoé.jpg"),
    ],
)
def test_file_names_lose_paths_controls_and_length_and_end_as_what_they_are(name, kind, cleaned):
    assert files.clean_filename(name, kind) == cleaned
    assert files.clean_filename(cleaned, kind) == cleaned  # once is enough


# Storing, keeping across a retry, adopting


@pytest.fixture
def meeting(make_meeting):
    return make_meeting(slug="rabat")


def test_a_stored_file_has_its_size_hash_and_a_clean_name(meeting, make_participant):
    person = make_participant(meeting)
    data = image_bytes()
    stored = files.store(meeting.id, person.id, "../me.JPEG", data, "image/jpeg")
    db.session.commit()
    assert stored.id and stored.filename == "me.jpg" and stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.participant_id == person.id


def test_a_kept_file_comes_back_from_its_signed_id_and_becomes_the_persons(
    meeting, make_meeting, make_participant
):
    kept = files.store(meeting.id, None, "photo.jpg", image_bytes(), "image/jpeg")
    db.session.commit()
    value = files.signed_id(kept)
    assert str(kept.id) != value and files.unsign_id(value, meeting.id) == kept

    person = make_participant(meeting)
    assert files.adopt([kept.id], meeting.id, person.id) == 1
    db.session.commit()
    assert kept.participant_id == person.id
    # The field sent again (by anyone) names a file that has changed hands: nothing.
    assert files.unsign_id(value, meeting.id) is None
    # A file already someone's stays theirs.
    other = make_participant(meeting)
    assert files.adopt([kept.id], meeting.id, other.id) == 0
    assert kept.participant_id == person.id


def other_payload(value: str, payload) -> str:
    """`value` naming something else, its signature kept."""
    encoded = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode())
    return encoded.decode().rstrip("=") + value[value.index(".") :]


@pytest.mark.parametrize(
    "forge",
    [
        lambda value, file: value[:-2] + ("AA" if not value.endswith("AA") else "BB"),
        lambda value, file: other_payload(value, [file.id + 1, file.meeting_id, None]),
        lambda value, file: other_payload(value, [file.id, file.meeting_id + 1, None]),
        lambda value, file: str(file.id),  # the bare id
        lambda value, file: "",
        lambda value, file: "x" * 5000,
    ],
)
def test_a_tampered_signed_id_names_no_file(meeting, forge):
    kept = files.store(meeting.id, None, "photo.jpg", image_bytes(), "image/jpeg")
    db.session.commit()
    assert files.unsign_id(forge(files.signed_id(kept), kept), meeting.id) is None


def test_a_signed_id_serves_only_its_meeting_and_only_for_a_day(meeting, make_meeting, monkeypatch):
    elsewhere = make_meeting(slug="elsewhere")
    kept = files.store(meeting.id, None, "photo.jpg", image_bytes(), "image/jpeg")
    theirs = files.store(elsewhere.id, None, "photo.jpg", image_bytes(), "image/jpeg")
    db.session.commit()
    assert files.unsign_id(files.signed_id(kept), elsewhere.id) is None
    assert files.unsign_id(files.signed_id(theirs), meeting.id) is None
    # Signed with another salt (another form of the site): not a kept file's id.
    other_salt = URLSafeTimedSerializer(current_app.secret_key, salt="other")
    forged = other_salt.dumps([kept.id, meeting.id, None])
    assert files.unsign_id(forged, meeting.id) is None
    # Signed more than a day ago.
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 86_401)
    old = files.signed_id(kept)
    monkeypatch.undo()
    assert files.unsign_id(old, meeting.id) is None


def test_files_of_another_meeting_are_not_adopted(meeting, make_meeting, make_participant):
    elsewhere = make_meeting(slug="elsewhere")
    theirs = files.store(elsewhere.id, None, "a.pdf", pdf_bytes(), "application/pdf")
    person = make_participant(meeting)
    assert files.adopt([theirs.id, "7", None], meeting.id, person.id) == 0
    assert files.adopt([], meeting.id, person.id) == 0
    assert theirs.participant_id is None


def test_files_nobody_took_are_deleted_after_a_day_by_the_daily_purge(
    meeting, make_participant, runner
):
    person = make_participant(meeting)
    more_than_a_day = utcnow() - timedelta(days=1, minutes=1)
    abandoned = files.store(meeting.id, None, "a.jpg", image_bytes(), "image/jpeg")
    fresh = files.store(meeting.id, None, "b.jpg", image_bytes(), "image/jpeg")
    owned = files.store(meeting.id, person.id, "c.jpg", image_bytes(), "image/jpeg")
    abandoned.created_at = owned.created_at = more_than_a_day
    db.session.commit()
    kept = {fresh.id, owned.id}

    # `flask privacy purge` (and the daily task, which calls the same function).
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert set(db.session.scalars(sa.select(StoredFile.id))) == kept
    assert files.purge_unowned() == 0  # nothing more
    assert files.purge_unowned(older_than=timedelta(0)) == 1  # the fresh one, if asked


# Serving


@pytest.fixture
def served(meeting, make_participant):
    person = make_participant(meeting)
    # A valid PDF that is also a web page: it parses, so it is taken; served as
    # below, no browser shows it as a page of the site.
    polyglot = pdf_bytes() + HTML
    assert files.check(polyglot, files.DOCUMENTS, MB) == "application/pdf"
    stored = files.store(
        meeting.id, person.id, "Lettre d'invitation – Zoé.pdf", polyglot, files.PDF
    )
    db.session.commit()
    return stored


def test_a_file_is_served_as_an_attachment_no_browser_runs(app, served):
    with app.test_request_context():
        response = files.response(served)
    assert response.status_code == 200 and response.get_data() == served.content
    assert response.mimetype == "application/pdf"
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Cache-Control"] == "private, no-cache"
    assert headers["ETag"] == f'"{served.sha256}"'
    assert headers["Content-Disposition"] == (
        'attachment; filename="Lettre d\'invitation Zoe.pdf"; '
        "filename*=UTF-8''Lettre%20d%27invitation%20%E2%80%93%20Zo%C3%A9.pdf"
    )


def test_a_photo_may_be_shown_inline(app, meeting):
    stored = files.store(meeting.id, None, "photo.jpg", files.photo(image_bytes()), files.JPEG)
    with app.test_request_context():
        response = files.response(stored, inline=True)
    assert response.headers["Content-Disposition"].startswith('inline; filename="photo.jpg"')
    assert response.mimetype == "image/jpeg"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_an_unchanged_file_is_answered_304_without_its_content(app, served):
    db.session.expire(served, ["content"])
    with app.test_request_context(headers={"If-None-Match": f'"{served.sha256}"'}):
        response = files.response(served)
    assert response.status_code == 304 and response.get_data() == b""
    assert response.headers["ETag"] == f'"{served.sha256}"'
    assert "content" not in served.__dict__  # never read from the database
    with app.test_request_context(headers={"If-None-Match": '"something-else"'}):
        assert files.response(served).status_code == 200


def test_a_name_without_latin_letters_still_has_an_ascii_fallback(app, meeting):
    stored = files.store(meeting.id, None, "جواز.pdf", pdf_bytes(), files.PDF)
    with app.test_request_context():
        disposition = files.response(stored).headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"download.pdf\"; filename*=UTF-8''")
