"""The check-in migration keeps the check-ins made before it: each gets its day,
and a second one the same day is kept as undone (so the unique index holds)."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from meeting_app.extensions import db
from tests.conftest import make_app

BEFORE = "d5aca5295213"


def test_existing_check_ins_get_their_day_and_duplicates_are_kept_as_undone(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'before.sqlite3'}")
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO meetings (slug, title, description, host, city, venue, "
                    "venue_address, timezone, start_date, end_date, default_language, "
                    "requires_approval, requires_approval_of_changes, seats_taken, "
                    "badge_colours, status, created_at, updated_at) VALUES ('m', '{}', '{}', "
                    "'{}', '', '', '', 'UTC', '2022-06-13', '2022-06-14', 'en', 1, 0, 0, "
                    "'{}', 'published', '2022-01-01', '2022-01-01')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO participants (meeting_id, given_name, family_name, "
                    "badge_name, email, phone, organisation, position, category, role, "
                    "preferred_language, dietary_needs, accessibility_needs, "
                    "needs_visa_letter, consent_public_list, status, token, "
                    "token_selector, badge_code, created_at, updated_at, "
                    "status_changed_at, decision_reason) VALUES (1, 'A', 'B', 'A B', "
                    "'a@example.org', '', '', '', 'donor', 'delegate', 'en', '', '', 0, 0, "
                    "'approved', 't', 's', 'c', '2022-01-01', '2022-01-01', '2022-01-01', '')"
                )
            )
            for moment in ("2022-06-13 08:00:00", "2022-06-13 09:00:00", "2022-06-14 08:00:00"):
                connection.execute(
                    sa.text(
                        "INSERT INTO check_ins (participant_id, checked_in_at, method) "
                        "VALUES (1, :at, 'scan')"
                    ),
                    {"at": moment},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT day, cancelled_at IS NULL FROM check_ins ORDER BY id")
            ).all()
        assert [(str(day), bool(standing)) for day, standing in rows] == [
            ("2022-06-13", True),
            ("2022-06-13", False),
            ("2022-06-14", True),
        ]
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("check_ins")}
        assert "day" not in columns and "scan_id" not in columns
        db.engine.dispose()
