"""The meeting's logo: checked and re-encoded on upload, then drawn on badges,
letters and the booklet as a data: URL (WeasyPrint fetches nothing else)."""

import base64
import io

from PIL import Image, UnidentifiedImageError

from meeting_app.meetings.models import Meeting

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 600  # pixels: sharp at badge and letterhead sizes, small in every PDF


class LogoError(ValueError):
    pass


def prepare(data: bytes) -> bytes:
    """A PNG of at most MAX_SIDE pixels from an uploaded PNG or JPEG. Decoding and
    re-encoding keeps only pixels: nothing else in the file reaches a PDF."""
    if len(data) > MAX_BYTES:
        raise LogoError("too large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise LogoError("not a PNG or JPEG image")
            if image.width * image.height > 40_000_000:  # a decompression bomb
                raise LogoError("too many pixels")
            image = image.convert("RGBA")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise LogoError("not an image") from error
    return out.getvalue()


def data_uri(meeting: Meeting) -> str:
    """The logo as a data: URL, or '' when the meeting has none."""
    if not meeting.logo_png:
        return ""
    return "data:image/png;base64," + base64.b64encode(meeting.logo_png).decode("ascii")
