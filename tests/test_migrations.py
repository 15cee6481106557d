"""Migrations give exactly the models' schema, and an unmigrated database is
explained, not crashed on."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask_migrate import downgrade, upgrade

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


def test_countries_come_from_babel_in_three_languages(app_context):
    countries = {c.code: c for c in db.session.execute(db.select(Country)).scalars()}
    assert len(countries) == 249
    kyrgyzstan = countries["KG"]
    assert (kyrgyzstan.name_en, kyrgyzstan.name_fr, kyrgyzstan.name_es) == (
        "Kyrgyzstan",
        "Kirghizstan",
        "Kirguistán",
    )
    assert countries["MA"].name("fr") == "Maroc"
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
    assert response.get_json() == {"status": "error", "database": "ok", "migrations": "empty"}


def test_health_check_reports_an_unreachable_database(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_health_check_is_ok_on_a_migrated_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "migrations": "current"}
