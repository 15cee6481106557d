"""A mail server that answers but refuses for now (451, as a full or restarting
server does): registrations are kept, their mails wait, and go out when it
accepts again. (A server that does not answer at all: tests/registration.)"""

from aiosmtpd.controller import Controller

from meeting_app.extensions import db
from meeting_app.mail.models import MailStatus, OutgoingMail
from meeting_app.registration.models import Participant
from tests.conftest import Inbox, free_port, make_app, registration_data
from tests.mail.servers import back_off_passed


class MendingServer(Inbox):
    """Says "try again later" until told it is mended."""

    mended = False

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if not self.mended:
            return "451 4.3.0 Temporary local problem, try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_refusing_mail_server_delays_mails_but_loses_nothing(database_url, open_meeting):
    server = MendingServer()
    controller = Controller(server, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        meeting = open_meeting(slug="busy-mail")
        app = make_app(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        client = app.test_client()
        for n in range(3):
            data = registration_data(meeting, email=f"person{n}@example.org")
            response = client.post("/meetings/busy-mail/register", data=data)
            assert response.status_code == 302
        assert db.session.scalar(db.select(db.func.count(Participant.id))) == 3
        mails = db.session.execute(db.select(OutgoingMail)).scalars().all()
        assert [m.status for m in mails] == [MailStatus.PENDING] * 3
        assert all(m.last_error.startswith("451 ") for m in mails)
        assert server.messages == []

        server.mended = True
        back_off_passed()
        # The cron job's run (in this app's context: the one of the tests has its own
        # mail settings, and a command runs in the context it finds).
        with app.app_context():
            result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
        assert result.exit_code == 0, result.output
        assert "3 e-mails sent, 0 still pending." in result.output
        assert sorted(m["To"] for m in server.messages) == [
            f"person{n}@example.org" for n in range(3)
        ]
        # Each with its row's Message-ID, made when it was stored.
        assert sorted(m["Message-ID"] for m in server.messages) == sorted(
            m.message_id for m in mails
        )
    finally:
        controller.stop()
