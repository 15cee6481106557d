"""The application factory in each configuration."""

import sqlite3

import pytest
import sqlalchemy as sa

import config
from meeting_app import create_app
from meeting_app.extensions import db


def test_development_runs_with_nothing_set(monkeypatch):
    for name in ("APP_CONFIG", "DATABASE_URL", "SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["CONFIG_NAME"] == "DevelopmentConfig"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        f"sqlite:///{config.INSTANCE_DIR / 'meetings.sqlite3'}"
    )
    assert app.config["SECRET_KEY"]
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"


def test_database_url_selects_the_database_in_every_configuration(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/meetings")
    monkeypatch.setenv("SECRET_KEY", "s3cret-for-the-test")
    monkeypatch.setenv("PUBLIC_URL", "https://meetings.example.org")
    for name in ("development", "production"):
        app = create_app(name)
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://db.example/meetings"


def test_testing_configuration_never_takes_the_development_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/not-for-tests.sqlite3")
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    app = create_app("testing")
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///:memory:"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"])
def test_production_refuses_to_start_without_its_secrets(monkeypatch, missing):
    monkeypatch.setenv("SECRET_KEY", "s3cret-for-the-test")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/meetings")
    monkeypatch.setenv("PUBLIC_URL", "https://meetings.example.org")
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match=missing):
        create_app("production")


def test_production_sets_secure_cookies_and_refuses_demo_accounts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret-for-the-test")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://db.example/meetings")
    monkeypatch.setenv("PUBLIC_URL", "https://meetings.example.org")
    app = create_app("production")
    assert app.config["TRUSTED_HOSTS"] == ["meetings.example.org"]
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["DEMO_ACCOUNTS_ALLOWED"] is False
    assert app.config["SECRET_KEY"] == "s3cret-for-the-test"


def test_configuration_is_chosen_by_app_config(monkeypatch):
    monkeypatch.setenv("APP_CONFIG", "testing")
    assert create_app().config["CONFIG_NAME"] == "TestingConfig"
    monkeypatch.setenv("APP_CONFIG", "staging")
    with pytest.raises(RuntimeError, match="Unknown APP_CONFIG 'staging'"):
        create_app()


def test_mail_and_rate_limit_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")
    app = create_app("development")
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"]) == ("smtp.example.org", 587)
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}"})
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == 5000
        assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert isinstance(connection.connection.dbapi_connection, sqlite3.Connection)
        db.engine.dispose()
