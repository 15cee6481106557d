"""Migrations give exactly the models' schema, and an unmigrated database is
explained, not crashed on."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from meeting_app.core.i18n import LANGUAGES
from meeting_app.extensions import db
from meeting_app.meetings.models import Country
from tests.conftest import make_app


def test_migrated_schema_matches_the_models_exactly(app):
    # The session's database was built by `flask db upgrade` (see conftest).
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_go_down_and_up_again_on_an_empty_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}")
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert "participants" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()


def test_countries_come_from_babel_in_each_language(app_context):
    countries = {c.code: c for c in db.session.execute(db.select(Country)).scalars()}
    assert len(countries) == 249
    kyrgyzstan = countries["KG"]
    assert [kyrgyzstan.name(code) for code in LANGUAGES] == [
        "Kirghizstan",
        "Kyrgyzstan",
        "Kirguistán",
        "قيرغيزستان",
        "Киргизия",
    ]
    assert countries["MA"].name("fr") == "Maroc" and countries["MA"].name("ar") == "المغرب"
    assert all(getattr(c, f"name_{code}") for c in countries.values() for code in LANGUAGES)
    assert "EU" not in countries and "ZZ" not in countries


@pytest.fixture
def unmigrated_app(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_unmigrated_database_shows_the_command_to_run(unmigrated_app):
    response = unmigrated_app.test_client().get("/", headers={"Accept-Language": "fr"})
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "flask --app wsgi db upgrade" in page
    assert "Traceback" not in page
    assert '<html lang="fr">' in page


def test_health_check_reports_missing_migrations(unmigrated_app):
    response = unmigrated_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "error",
        "database": "ok",
        "migrations": "empty",
        "tasks": "embedded",
    }


def test_health_check_reports_an_unreachable_database(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_health_check_is_ok_on_a_migrated_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "migrations": "current",
        "tasks": "embedded",  # no broker: the web process runs the tasks
    }


def test_upgrading_a_database_with_registrations_keeps_them_and_counts_seats(tmp_path):
    """The second migration adds NOT NULL columns to tables that already hold rows
    (and, on SQLite, copies those tables): nothing may be lost on the way."""
    app = make_app(f"sqlite:///{tmp_path / 'populated.sqlite3'}")
    with app.app_context():
        upgrade(revision="d01dd817727e")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO meetings (id, slug, title, description, host, city, venue, "
                    "venue_address, timezone, start_date, end_date, default_language, capacity, "
                    "requires_approval, status, created_at, updated_at) VALUES (1, 'old', '{}', "
                    "'{}', '{}', 'Rabat', '', '', 'Africa/Casablanca', '2022-06-13', '2022-06-14', "
                    "'fr', 80, 1, 'archived', '2022-01-01 00:00:00', '2022-01-01 00:00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO delegations (id, meeting_id, country_code) VALUES (1, 1, 'MA')"
                )
            )
            for i, status in enumerate(("approved", "submitted", "waitlisted", "cancelled")):
                connection.execute(
                    sa.text(
                        "INSERT INTO participants (meeting_id, delegation_id, given_name, "
                        "family_name, badge_name, email, phone, organisation, position, category, "
                        "role, preferred_language, dietary_needs, accessibility_needs, "
                        "needs_visa_letter, consent_public_list, status, token, badge_code, "
                        "created_at, updated_at, status_changed_at) VALUES (1, 1, 'Given', "
                        f"'Family{i}', 'G F', 'p{i}@example.org', '', '', '', 'donor', 'delegate', "
                        f"'fr', '', '', 0, 0, '{status}', 'token-number-{i}-{'x' * 40}', 'b{i}', "
                        "'2022-01-01 00:00:00', '2022-01-01 00:00:00', '2022-01-01 00:00:00')"
                    )
                )
            connection.execute(sa.text("UPDATE delegations SET head_id = 1 WHERE id = 1"))
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM participants")).scalar() == 4
            assert connection.execute(sa.text("SELECT seats_taken FROM meetings")).scalar() == 2
            delegation = connection.execute(
                sa.text("SELECT seats_taken, head_id, length(view_token) FROM delegations")
            ).one()
            assert tuple(delegation) == (2, 1, 43)
            selectors = (
                connection.execute(sa.text("SELECT token_selector FROM participants ORDER BY id"))
                .scalars()
                .all()
            )
            assert selectors == [f"token-number-{i}-x" for i in range(4)]
        db.engine.dispose()


def test_upgrading_keeps_communiques_as_one_text_per_language(tmp_path):
    """Communiqués written before language versions had rows of their own (the demo's)
    keep their text, goals and published state, and get a first version."""
    from meeting_app.communiques.models import Communique, CommuniqueStatus

    app = make_app(f"sqlite:///{tmp_path / 'communiques.sqlite3'}")
    with app.app_context():
        upgrade(revision="d5aca5295213")
        with db.engine.begin() as connection:
            insert = sa.text(
                "INSERT INTO communiques (id, slug, default_language, title, summary, body, sdgs, "
                "status, published_at, created_at, updated_at) VALUES (:id, :slug, 'fr', "
                ":title, :summary, :body, :sdgs, :status, :published_at, '2022-06-15 09:00:00', "
                "'2022-06-15 09:00:00')"
            )
            connection.execute(
                insert,
                {
                    "id": 1,
                    "slug": "rabat",
                    "title": '{"fr": "Rabat : le Conseil", "en": "Rabat: the Board"}',
                    "summary": '{"fr": "Chapeau", "en": "Lead"}',
                    "body": '{"fr": "Texte fran\\u00e7ais", "en": "English text"}',
                    "sdgs": "[17, 1, 5]",
                    "status": "published",
                    "published_at": "2022-06-15 10:00:00",
                },
            )
            connection.execute(
                insert,
                {
                    "id": 2,
                    "slug": "draft",
                    "title": '{"en": "Draft"}',
                    "summary": "{}",
                    "body": "{}",
                    "sdgs": "[]",
                    "status": "draft",
                    "published_at": None,
                },
            )
        upgrade()
        published, draft = db.session.execute(
            db.select(Communique).order_by(Communique.id)
        ).scalars()
        assert published.status is CommuniqueStatus.PUBLISHED and published.is_public()
        assert published.sdgs == [1, 5, 17]
        assert published.first_published_at == published.published_at
        french = published.text("fr")
        assert (french.title, french.summary, french.body) == (
            "Rabat : le Conseil",
            "Chapeau",
            "Texte français",
        )
        assert french.published_body == "Texte français"
        assert published.text("en").published_title == "Rabat: the Board"
        assert [(r.number, r.action) for r in published.revisions] == [(1, "published")]
        assert draft.text("en").title == "Draft" and draft.text("en").published_body is None
        assert not draft.is_public() and draft.version == 1
        db.session.remove()
        downgrade(revision="d5aca5295213")
        with db.engine.connect() as connection:
            row = connection.execute(
                sa.text("SELECT title, sdgs, status FROM communiques WHERE id = 1")
            ).one()
        assert '"Rabat: the Board"' in row.title and row.status == "published"
        db.engine.dispose()
