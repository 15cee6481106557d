"""“Send me my private link” sends at most one e-mail per registration per
PRIVATE_LINK_MAIL_INTERVAL, also when the form is posted many times at once, and
the page answers the same whether a mail went or not."""

import re
import threading
from datetime import timedelta

from meeting_app.extensions import db
from meeting_app.mail.models import OutgoingMail
from tests.conftest import registration_data

EMAIL = "ndeye.diop@example.org"


def _registered(client, open_meeting, inbox):
    meeting = open_meeting(slug="link")
    client.post("/meetings/link/register", data=registration_data(meeting))
    inbox.clear()
    return meeting


def _link_mails() -> list[OutgoingMail]:
    db.session.expire_all()
    return db.session.scalars(db.select(OutgoingMail).filter_by(kind="link")).all()


def _answer(client, email: str) -> str:
    response = client.post("/meetings/link/register/link", data={"email": email})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    page = page.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*>', "", page)


def test_eight_simultaneous_requests_send_one_link_mail(client, server_app, open_meeting, inbox):
    """Bad outcome tried: eight posts of the same form at the same moment sent
    seven mails. Eight threads, each with its own client, connection and
    transaction, against the real database and SMTP server."""
    _registered(client, open_meeting, inbox)
    barrier = threading.Barrier(8)
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def ask() -> None:
        own = server_app.test_client()
        barrier.wait(timeout=30)
        response = own.post("/meetings/link/register/link", data={"email": EMAIL})
        with lock:
            answers.append((response.status_code, response.headers.get("Location", "")))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers == [(302, "/meetings/link/register/thanks")] * 8
    assert len(_link_mails()) == 1
    assert len(inbox.to(EMAIL)) == 1


def test_a_second_link_mail_goes_only_after_the_interval(client, open_meeting, inbox):
    """Bad outcome tried: any number of link mails, one per post, to one address
    (by its owner's impatience or by a stranger who knows it)."""
    _registered(client, open_meeting, inbox)
    for _ in range(3):
        _answer(client, EMAIL)
    # Registering again with the address asks for the same mail: limited as well.
    client.post("/meetings/link/register", data=registration_data())
    assert len(inbox.to(EMAIL)) == 1

    (mail,) = _link_mails()
    mail.created_at -= timedelta(seconds=client.application.config["PRIVATE_LINK_MAIL_INTERVAL"])
    db.session.commit()
    _answer(client, EMAIL)
    assert len(inbox.to(EMAIL)) == 2


def test_the_page_answers_the_same_whether_a_mail_went_or_not(client, open_meeting, inbox):
    """Bad outcome tried: a different answer for a registered address, or for one
    whose mail was held back, would tell a stranger who is registered."""
    _registered(client, open_meeting, inbox)
    sent = _answer(client, EMAIL)
    held_back = _answer(client, EMAIL)
    stranger = _answer(client, "stranger@example.org")
    assert sent == held_back == stranger
    assert "We send it at most once every 5 minutes" in " ".join(sent.split())
    assert len(inbox.to(EMAIL)) == 1 and inbox.to("stranger@example.org") == []
