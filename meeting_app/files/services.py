"""Checking, cleaning, storing and serving the files people upload.

A file is judged by its content, never by its name or the type the browser
claims: `sniff` reads the magic bytes, `check` then makes sure the file really is
what it starts like (a PDF pikepdf opens, without a password or JavaScript; an
image Pillow decodes whole, of a sane number of pixels). Images are then decoded
and encoded again (`clean_image`, `photo`), which drops their metadata (EXIF, GPS,
comments) and anything appended to them.

A file may still be two things at once (a PDF that is also an HTML page): what
makes that harmless is how files are served (`response`): as attachments, with
`nosniff` and a sandboxing Content-Security-Policy, so no browser runs them as a
page of this site.

A file sent with a form that had errors is stored without an owner; its id,
signed (`signed_id`), rides in a hidden field so that the person need not upload
it again, and it becomes theirs once the form goes through (`adopt`). Files
nobody adopted are deleted after a day (`purge_unowned`, from the daily purge).

Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import io
import math
import threading
import unicodedata
import warnings
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import quote

import pikepdf
import sqlalchemy as sa
from flask import Response, current_app, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from PIL import Image, ImageCms, ImageFile, ImageOps

from meeting_app.extensions import db
from meeting_app.files.models import StoredFile
from meeting_app.models import utcnow

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
IMAGES = frozenset({JPEG, PNG})
DOCUMENTS = frozenset({PDF, JPEG, PNG})
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
# What a name may end with already: replaced by the extension of what the file is.
KNOWN_EXTENSIONS = (".pdf", ".jpeg", ".jpg", ".jpe", ".png")
FILENAME_MAX = 200
# Characters that mean something in a path or a header, or that Windows refuses.
UNSAFE = set('/\\:*?"<>|')

# Images: a 40-megapixel photo is larger than any camera's that people upload;
# past that (or a side past 12,000 px) it is a decompression bomb or a banner.
MAX_PIXELS = 40_000_000
MAX_SIDE = 12_000
PIL_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

# Passport photos: 35 mm wide, 45 mm high; badges print them at most this large.
PHOTO_RATIO = 35 / 45
PHOTO_MAX = (420, 540)
PHOTO_QUALITY = 88
IMAGE_QUALITY = 90

KEPT_SALT = "kept-upload"
KEPT_MAX_AGE = timedelta(days=1)
MB = 1_000_000


class FileRefused(Exception):
    """An uploaded file refused. `code` says why: too_large (over `limit` bytes),
    type (not one of `allowed`, by its content), not_pdf (starts like a PDF, isn't
    one), javascript, encrypted, image (not a decodable JPEG or PNG), pixels (too
    many, or a side too long: `limit` is MAX_PIXELS)."""

    def __init__(self, code: str, limit: int | None = None, allowed: frozenset[str] = DOCUMENTS):
        super().__init__(code)
        self.code = code
        self.limit = limit
        self.allowed = allowed


def message(error: FileRefused) -> str:
    """The sentence shown under the field, in the reader's language."""
    code = error.code
    if code == "too_large":
        size = format_decimal(round((error.limit or 0) / MB, 1))
        return _("This file is larger than %(size)s MB: send a smaller one.", size=size)
    if code == "type":
        if error.allowed <= IMAGES:
            return _(
                "This file is not a JPEG or PNG image, whatever its name says: "
                "send a photo in one of these formats."
            )
        if error.allowed == {PDF}:
            return _("This file is not a PDF document, whatever its name says: send a PDF.")
        return _(
            "This file is not a PDF document or a JPEG or PNG image, whatever its name "
            "says: send one of these."
        )
    if code == "not_pdf":
        return _(
            "This file is not a PDF document, whatever its name says, or it is damaged: "
            "send a PDF that opens."
        )
    if code == "javascript":
        return _(
            "This PDF contains JavaScript, which is not accepted: send a copy without "
            "scripts (printing it to a PDF removes them)."
        )
    if code == "encrypted":
        return _("This PDF is protected by a password: send a copy without one.")
    if code == "image":
        return _(
            "This image cannot be read: it is damaged, or not really a JPEG or PNG "
            "image. Send another copy."
        )
    if code == "pixels":
        return _(
            "This image is too large: at most %(megapixels)s megapixels, and "
            "%(side)s pixels a side. Send a smaller copy.",
            megapixels=format_decimal(MAX_PIXELS // 1_000_000),
            side=format_decimal(MAX_SIDE),
        )
    return _("This file cannot be accepted: send another one.")


def sniff(data: bytes) -> str | None:
    """The type of `data` by its first bytes: PDF, JPEG or PNG; None for any other
    (an SVG, a page of HTML, a ZIP...)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def check(data: bytes, allowed: frozenset[str], max_bytes: int) -> str:
    """The type of `data` (one of `allowed`); raises FileRefused unless it weighs
    at most `max_bytes` and really is what its first bytes say."""
    if len(data) > max_bytes:
        raise FileRefused("too_large", limit=max_bytes, allowed=allowed)
    content_type = sniff(data)
    if content_type not in allowed:
        raise FileRefused("type", allowed=allowed)
    if content_type == PDF:
        check_pdf(data)
    else:
        _open(data, content_type)
    return content_type


def check_pdf(data: bytes) -> None:
    """Raises FileRefused unless `data` is a PDF that opens, with a page, without
    a password and without JavaScript."""
    if not data.startswith(b"%PDF-"):
        raise FileRefused("not_pdf")
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) == 0:
                raise FileRefused("not_pdf")
            if has_javascript(pdf):
                raise FileRefused("javascript")
    except pikepdf.PasswordError as error:
        raise FileRefused("encrypted") from error
    except pikepdf.PdfError as error:
        raise FileRefused("not_pdf") from error


# Dictionary keys and names that carry or start a script: a JavaScript action's
# /JS, the catalog's /Names /JavaScript tree, an action of type /JavaScript.
SCRIPT_NAMES = frozenset({"/JS", "/JavaScript"})


def has_javascript(pdf: pikepdf.Pdf) -> bool:
    """Whether any object of the file names JavaScript: the catalog's Names and
    OpenAction, annotations' /A and /AA, form fields, wherever it hides. Every
    object is looked at (pikepdf has decoded names such as /J#53 to /JS), and
    the direct objects within each, so an action written inline is found too."""
    for obj in pdf.objects:
        stack = [obj]
        while stack:
            item = stack.pop()
            if isinstance(item, pikepdf.Stream):
                item = item.stream_dict
            if isinstance(item, pikepdf.Name):
                if str(item) in SCRIPT_NAMES:
                    return True
            elif isinstance(item, pikepdf.Dictionary):
                if SCRIPT_NAMES.intersection(item.keys()):
                    return True
                stack.extend(_direct(item.values()))
            elif isinstance(item, pikepdf.Array):
                stack.extend(_direct(item))
    return False


def _direct(values):
    # Indirect ones are objects of their own, looked at in their turn; numbers and
    # booleans come as Python values.
    return [v for v in values if isinstance(v, pikepdf.Object) and not v.is_indirect]


# WeasyPrint, once imported, makes Pillow fill a truncated image with grey rather
# than fail (ImageFile.LOAD_TRUNCATED_IMAGES, a global): uploads are decoded with
# it off, one at a time in a process, and it is put back after.
_strict = threading.Lock()


@contextmanager
def _strict_decoding():
    with _strict:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _open(data: bytes, content_type: str) -> Image.Image:
    """The image of `data`, decoded whole; raises FileRefused("image") if it cannot
    be, FileRefused("pixels") if it is too large to decode safely."""
    fmt = PIL_FORMATS.get(content_type)
    if fmt is None:
        raise FileRefused("type", allowed=IMAGES)
    try:
        # Pillow's own guard warns past Image.MAX_IMAGE_PIXELS and raises past
        # twice that, as it reads the header; the warning is made an error here so
        # that no bomb is decoded whatever the process does with warnings. Ours,
        # lower, follows before anything is decoded.
        with _strict_decoding():
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image = Image.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size
            if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                raise FileRefused("pixels", limit=MAX_PIXELS, allowed=IMAGES)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise FileRefused("pixels", limit=MAX_PIXELS, allowed=IMAGES) from error
    except FileRefused:
        raise
    except (OSError, SyntaxError, ValueError, TypeError, EOFError, KeyError) as error:
        # Not an image of its kind, truncated, or damaged: Pillow says so with any
        # of these.
        raise FileRefused("image", allowed=IMAGES) from error
    return image


def _upright(data: bytes, content_type: str) -> Image.Image:
    """The decoded image as people see it: turned as its EXIF orientation says."""
    image = _open(data, content_type)
    try:
        return ImageOps.exif_transpose(image) or image
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        return image  # unreadable EXIF: the picture as it is stored


def _to_srgb(image: Image.Image) -> Image.Image:
    """The colours of an image with an ICC profile (Adobe RGB, CMYK...) turned into
    sRGB, so that the profile, one more block of someone's data, can go."""
    profile = image.info.get("icc_profile")
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(image, source, target, outputMode=mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a profile Little CMS cannot read: the colours as they are


def _bare(image: Image.Image) -> Image.Image:
    """The image without any metadata (EXIF, GPS, XMP, comments, ICC, text chunks):
    Pillow writes some of what `info` holds when it saves."""
    image.info = {}
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB image, transparent parts on white (a JPEG has no transparency)."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def clean_image(data: bytes, content_type: str) -> bytes:
    """The image encoded again in its own format (JPEG at quality 90, or PNG),
    upright, in sRGB, without any metadata and without anything appended to it.
    Raises FileRefused as `check` does."""
    image = _to_srgb(_upright(data, content_type))
    out = io.BytesIO()
    if content_type == JPEG:
        if image.mode not in ("L", "RGB"):
            image = _flatten(image)
        _bare(image).save(out, "JPEG", quality=IMAGE_QUALITY, optimize=True)
    else:
        if "transparency" in image.info:  # a palette or colour key: kept as alpha
            image = image.convert("RGBA")
        elif image.mode == "CMYK":
            image = image.convert("RGB")
        _bare(image).save(out, "PNG")  # optimize=True: seconds for a big one
    return out.getvalue()


def _centred_box(
    left: float, top: float, width: float, height: float
) -> tuple[float, float, float, float]:
    """The largest box of the passport ratio centred in the one given."""
    if width / height > PHOTO_RATIO:
        narrower = height * PHOTO_RATIO
        return left + (width - narrower) / 2, top, narrower, height
    shorter = width / PHOTO_RATIO
    return left, top + (height - shorter) / 2, width, shorter


def _crop_box(size: tuple[int, int], crop) -> tuple[float, float, float, float]:
    """The part of an image of `size` to keep, in pixels: the box the person drew
    (fractions of the image, kept within it), of the passport ratio (centred in
    it if it has another); the largest centred one without a usable box."""
    width, height = size
    box = (0.0, 0.0, float(width), float(height))
    if crop is not None:
        try:
            x, y, w, h = (float(v) for v in crop)
        except (TypeError, ValueError):
            x = y = w = h = math.nan
        if all(math.isfinite(v) for v in (x, y, w, h)):
            x, y = min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)
            w, h = min(w, 1.0 - x), min(h, 1.0 - y)
            if w * width >= 1 and h * height >= 1:
                box = (x * width, y * height, w * width, h * height)
    return _centred_box(*box)


def photo(data: bytes, crop: tuple[float, float, float, float] | None = None) -> bytes:
    """A passport photo for badges (JPEG bytes): upright, cropped to `crop` =
    (x, y, width, height), fractions of the upright image, as the browser's cropper
    sends them, or else to the largest centred 35:45 box; at most 420×540 px (a
    smaller one is not enlarged); without metadata. Takes a JPEG or PNG; raises
    FileRefused as `check` does."""
    content_type = sniff(data)
    if content_type not in IMAGES:
        raise FileRefused("type", allowed=IMAGES)
    image = _flatten(_to_srgb(_upright(data, content_type)))
    left, top, width, height = _crop_box(image.size, crop)
    scale = min(PHOTO_MAX[0] / width, PHOTO_MAX[1] / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    box = (left, top, left + width, top + height)
    picture = image.resize(size, Image.Resampling.LANCZOS, box=box)
    out = io.BytesIO()
    _bare(picture).save(out, "JPEG", quality=PHOTO_QUALITY, optimize=True)
    return out.getvalue()


def clean_filename(name: str, content_type: str) -> str:
    """The name a file is stored and sent under: no folders, no control or
    direction-changing characters, nothing a path or a header reads, at most
    FILENAME_MAX characters, ending in the extension of what the file is (.pdf,
    .jpg, .png), whatever it ended in."""
    extension = EXTENSIONS.get(content_type, "")
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    # isprintable() is False for controls (CR, LF, NUL) and format characters (the
    # right-to-left override that shows "fdp.exe" as "exe.pdf").
    name = "".join((c if c not in UNSAFE else "_") if c.isprintable() else " " for c in name)
    name = " ".join(name.split()).strip(" .")
    stem, dot, ending = name.rpartition(".")
    if dot and f".{ending.lower()}" in KNOWN_EXTENSIONS:
        name = stem
    stem = name.strip(" .") or ("document" if content_type == PDF else "image")
    return stem[: FILENAME_MAX - len(extension)].rstrip(" .") + extension


def store(
    meeting_id: int, participant_id: int | None, filename: str, data: bytes, content_type: str
) -> StoredFile:
    """A stored file of the meeting, the person's (None: nobody's yet, see
    `adopt`). `data` has passed `check` (and `clean_image` or `photo`)."""
    stored = StoredFile(
        meeting_id=meeting_id,
        participant_id=participant_id,
        filename=clean_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def adopt(file_ids, meeting_id: int, participant_id: int) -> int:
    """The files of `file_ids` kept from a form sent with errors become the
    person's: only the meeting's, and only those nobody owns yet. Returns how many."""
    ids = [i for i in file_ids if isinstance(i, int)]
    if not ids:
        return 0
    result = db.session.execute(
        sa.update(StoredFile)
        .where(
            StoredFile.id.in_(ids),
            StoredFile.meeting_id == meeting_id,
            StoredFile.participant_id.is_(None),
        )
        .values(participant_id=participant_id)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return result.rowcount


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=KEPT_SALT)


def signed_id(file: StoredFile) -> str:
    """The file's id for a hidden field of the form sent again: signed, and naming
    its meeting and its owner when signed (so it serves nowhere else, nor once the
    file has changed hands)."""
    return _serializer().dumps([file.id, file.meeting_id, file.participant_id])


def unsign_id(value: str, meeting_id: int) -> StoredFile | None:
    """The file a `signed_id` names, if the signature holds, is less than a day
    old, and the file is still the meeting's and has the owner it had; else None."""
    try:
        file_id, signed_meeting, owner = _serializer().loads(
            value or "", max_age=KEPT_MAX_AGE.total_seconds()
        )
    except (BadSignature, TypeError, ValueError):  # SignatureExpired is a BadSignature
        return None
    if signed_meeting != meeting_id or not isinstance(file_id, int):
        return None
    file = db.session.get(StoredFile, file_id)
    if file is None or file.meeting_id != meeting_id or file.participant_id != owner:
        return None
    return file


def content_disposition(filename: str, inline: bool) -> str:
    # RFC 6266: an ASCII name for old clients, the real one as RFC 8187 UTF-8.
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isprintable() and c not in '"\\' else "_" for c in ascii_name)
    ascii_name = " ".join(ascii_name.split())  # "Zoé – CV" is "Zoe CV", not "Zoe  CV"
    if not ascii_name.rsplit(".", 1)[0].strip(" ._"):
        ascii_name = "download" + (f".{filename.rsplit('.', 1)[-1]}" if "." in filename else "")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def response(file: StoredFile, *, inline: bool = False) -> Response:
    """The file as a download (or, `inline`, for an <img> of a photo on the
    person's or the organisers' pages), so that no browser ever takes it for a
    page of this site: nosniff, a sandbox with nothing allowed. Revalidated each
    time (ETag: its SHA-256), answered 304 without reading the content if
    unchanged."""
    headers = {
        "ETag": f'"{file.sha256}"',
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Content-Disposition": content_disposition(file.filename, inline),
    }
    if request.if_none_match.contains(file.sha256):
        return Response(status=304, headers=headers)
    return Response(file.content, mimetype=file.content_type, headers=headers)


def purge_unowned(older_than: timedelta = timedelta(days=1)) -> int:
    """Deletes the files nobody owns (kept from forms sent with errors and never
    sent again) older than `older_than`; returns how many."""
    result = db.session.execute(
        sa.delete(StoredFile)
        .where(StoredFile.participant_id.is_(None), StoredFile.created_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
