"""The migration to claimed mails (0012) keeps every mail: each gets a Message-ID
of its own, waiting ones are due at once; going down, a mail failed for good
stays in the outbox and is not retried."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from meeting_app.extensions import db
from tests.conftest import make_app

BEFORE = "fce704f7f0de"


def test_existing_mails_get_message_ids_and_come_back_down(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'mails.sqlite3'}", PUBLIC_URL="https://m.example.org")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            for n, status in enumerate(("pending", "sent", "kept")):
                connection.execute(
                    sa.text(
                        "INSERT INTO outgoing_mails (kind, recipient, subject, body_text, "
                        "calendar, calendar_method, language, status, attempts, last_error, "
                        "created_at) VALUES ('t', :to, 's', 'b', '', '', 'en', :status, 1, '', "
                        "'2026-01-01 09:00:00.000000')"
                    ),
                    {"to": f"p{n}@example.org", "status": status},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text(
                    "SELECT status, message_id, next_attempt_at, claimed_by FROM outgoing_mails "
                    "ORDER BY id"
                )
            ).all()
        assert len({r.message_id for r in rows}) == 3
        assert all(r.message_id.endswith("@m.example.org>") for r in rows)
        assert rows[0].next_attempt_at[:10] == datetime.now(UTC).date().isoformat()
        assert rows[1].next_attempt_at.startswith("2026-01-01 09:00")
        assert {r.claimed_by for r in rows} == {""}
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE outgoing_mails SET status = 'failed' WHERE id = 1"))
        downgrade(revision=BEFORE)
        with db.engine.connect() as connection:
            first = connection.execute(
                sa.text("SELECT status, attempts FROM outgoing_mails WHERE id = 1")
            ).one()
            assert connection.execute(sa.text("SELECT count(*) FROM outgoing_mails")).scalar() == 3
        assert tuple(first) == ("pending", 10)  # the old code's last try: left alone
        db.engine.dispose()
