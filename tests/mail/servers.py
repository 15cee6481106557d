"""Mail servers that misbehave, and what the tests need around them."""

import smtplib
import socket
import threading

import sqlalchemy as sa
from flask import has_request_context

from meeting_app.extensions import db
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.models import utcnow


class HangingServer:
    """Accepts connections and never says a word (a mail server that hangs): an SMTP
    client waits for its greeting until its timeout."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._closed.is_set():
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)  # held open, never answered

    def close(self):
        self._closed.set()
        self.listener.close()
        for connection in self.connections:
            connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def back_off_passed() -> None:
    """As if the waiting mails' back-off had passed: all due now."""
    db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.status == MailStatus.PENDING)
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()


def record_smtp_connections(monkeypatch) -> list[bool]:
    """For each SMTP connection the app opens from now on: whether it was opened
    while serving a request (it must not be)."""
    opened: list[bool] = []
    connect = smtplib.SMTP.connect

    def recording(self, *args, **kwargs):
        opened.append(has_request_context())
        return connect(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", recording)
    return opened
