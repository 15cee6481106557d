"""Request bodies have a size limit (MAX_CONTENT_LENGTH, 1 MB), larger only where a
file is sent: a larger body is refused with a 413 page in the reader's language,
before anything reads it (CSRF's check included), so 200 MB sent to a form cost
the server nothing."""

import io

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from meeting_app.accounts.models import Role

LIMIT = 1_000_000
HUGE = 200 * 1_000_000


class Body(io.RawIOBase):
    """A form body that is produced only as it is read (200 MB of it) and fails the
    request when more than `allowed` bytes are read."""

    def __init__(self, allowed: int):
        self.allowed = allowed
        self.read_so_far = 0
        self.position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:  # the test client measures the body by seeking its end
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = HUGE + offset if whence == io.SEEK_END else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        size = min(len(buffer), HUGE - self.read_so_far)
        self.read_so_far += size
        if self.read_so_far > self.allowed:
            raise AssertionError(f"{self.read_so_far} bytes of the body were read")
        buffer[:size] = b"a" * size
        return size


def _too_large_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<html lang="fr">' in page and "Erreur 413" in page
    # The limit, in the reader's language (CLDR puts a no-break space in "1 Mo").
    assert "1 Mo" in " ".join(page.split())
    assert "Traceback" not in page


@pytest.mark.parametrize("path", ["/meetings/board/register", "/language"])
def test_a_200_mb_body_is_refused_from_its_length_without_being_read(
    csrf_client, open_meeting, path
):
    """200 MB announced by Content-Length, to the public registration form and to the
    language choice (CSRF on): not one byte may be read."""
    open_meeting(slug="board")
    body = Body(allowed=0)
    response = csrf_client.post(
        path,
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept-Language": "fr"},
    )
    _too_large_page(response)
    assert body.read_so_far == 0


@pytest.mark.parametrize("path", ["/meetings/board/register", "/language"])
def test_a_streamed_body_without_length_is_cut_at_the_limit(csrf_client, open_meeting, path):
    """The same 200 MB sent chunked (no Content-Length): reading stops at the limit."""
    open_meeting(slug="board")
    body = Body(allowed=LIMIT + 64 * 1024)
    response = csrf_client.post(
        path,
        input_stream=body,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept-Language": "fr", "Transfer-Encoding": "chunked"},
        # What a server that reads chunked bodies (gunicorn) tells the app.
        environ_overrides={"wsgi.input_terminated": True},
    )
    _too_large_page(response)
    assert LIMIT <= body.read_so_far <= LIMIT + 64 * 1024


def test_the_page_follows_the_language_the_reader_chose(client, open_meeting):
    """A reader who picked French on the site (not in the browser) sends too much."""
    open_meeting(slug="board")
    client.post("/language", data={"language": "fr"})
    response = client.post(
        "/meetings/board/register",
        data={"given_name": "a" * (LIMIT + 1)},
        headers={"Accept-Language": "en"},
    )
    _too_large_page(response)


def _multipart(field: str, size: int, filename: str) -> dict:
    """A 2.5 MB file as a browser sends it (built in memory: the test client would
    spool it to a temporary file it never closes)."""
    upload = FileStorage(io.BytesIO(b"\xff" * size), filename)
    boundary, body = encode_multipart({field: upload})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def test_only_the_upload_views_accept_more(client, open_meeting, make_user, login):
    """2.5 MB files: the CSV import and the logo upload get them (and judge them
    themselves), the registration form refuses them."""
    open_meeting(slug="board")
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    english = {"Accept-Language": "en"}
    imported = client.post(
        "/manage/meetings/board/registrations/import",
        headers=english,
        **_multipart("file", 2_500_000, "people.csv"),
    )
    assert imported.status_code == 422  # the importer's own answer
    assert "The file is not UTF-8 text" in imported.get_data(as_text=True)
    logo = client.post(
        "/desk/meetings/board/badges/logo",
        headers=english,
        follow_redirects=True,
        **_multipart("logo", 2_500_000, "logo.png"),
    )
    assert logo.status_code == 200
    assert "not a PNG or JPEG image of at most 2 MB" in logo.get_data(as_text=True)
    registered = client.post(
        "/meetings/board/register", headers=english, **_multipart("cv", 2_500_000, "cv.pdf")
    )
    assert registered.status_code == 413
    assert "at most 1 MB" in " ".join(registered.get_data(as_text=True).split())
