"""The migration that adds the folded search text fills it for the participants
already registered (in batches), with the same fold as every later write."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from tests.conftest import make_app

BEFORE = "f3b1d2e4a021"
PEOPLE = (
    ("María", "Núñez", "Ministère de l'Intérieur"),
    ("Айгүл", "Сыдыкова", ""),
    ("Jean", "Lefèvre", "UNDP"),
)


def test_upgrading_fills_the_search_text_of_existing_participants(tmp_path):
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
            for n, (given, family, organisation) in enumerate(PEOPLE):
                connection.execute(
                    sa.text(
                        "INSERT INTO participants (meeting_id, given_name, family_name, "
                        "badge_name, email, phone, organisation, position, category, role, "
                        "preferred_language, dietary_needs, accessibility_needs, "
                        "needs_visa_letter, consent_public_list, status, token, "
                        "token_selector, badge_code, created_at, updated_at, "
                        "status_changed_at, decision_reason, passport_number) VALUES (1, "
                        ":given, :family, :badge, :email, '', :organisation, '', 'donor', "
                        "'delegate', 'en', '', '', 0, 0, 'approved', :token, :selector, :code, "
                        "'2022-01-01', '2022-01-01', '2022-01-01', '', '')"
                    ),
                    {
                        "given": given,
                        "family": family,
                        "badge": f"{given} {family}",
                        "email": f"p{n}@example.org",
                        "organisation": organisation,
                        "token": f"t{n}",
                        "selector": f"s{n}",
                        "code": f"c{n}",
                    },
                )
        upgrade()
        texts = db.session.execute(
            sa.select(Participant.family_name, Participant.search_text).order_by(Participant.id)
        ).all()
        assert texts == [
            ("Núñez", "maria nunez maria nunez p0@example.org ministere de l'interieur"),
            ("Сыдыкова", "аигүл сыдыкова аигүл сыдыкова p1@example.org"),  # й folds as и
            ("Lefèvre", "jean lefevre jean lefevre p2@example.org undp"),
        ]
        db.session.remove()
        downgrade(revision=BEFORE)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("participants")}
        assert "search_text" not in columns
        db.engine.dispose()
