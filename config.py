"""Configurations, chosen by the APP_CONFIG environment variable.

Class attributes are the defaults; `from_environment()` reads the environment
when the app is created (not at import), so `DATABASE_URL`, `SECRET_KEY`,
`MAIL_*` and the rest apply in every configuration.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
# Each app server's own folder (INSTANCE_PATH): nothing in it is shared between servers.
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH") or BASE_DIR / "instance").resolve()


class Config:
    SECRET_KEY = "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE_DIR / 'meetings.sqlite3'}"
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    LANGUAGES = ("fr", "en", "es", "ar", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "meeting_app" / "translations")

    # Sessions are signed cookies: nothing a worker needs lives in its memory.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a long registration form must not expire mid-way
    # The largest request body (bytes): any form of text fits. Views that take a
    # file allow more (meeting_app/core/uploads.py); a larger body gets the 413 page.
    MAX_CONTENT_LENGTH = 1_000_000
    # The most the PDF files an organiser attaches to one message may weigh together
    # (bytes): each goes to every recipient, and mail servers refuse large mails.
    MESSAGE_ATTACHMENTS_MAX_BYTES = 10_000_000

    # memory:// counts per process; point it at Redis (redis://127.0.0.1:6379/0)
    # when several workers or servers share the load.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    # Per address; a ministry behind one NAT may register a delegation at once.
    REGISTRATION_RATE_LIMIT = "30 per minute"
    # Failed look-ups of private links and badge codes per address (guessing them).
    TOKEN_LOOKUP_RATE_LIMIT = "30 per minute"
    # Seconds between two "your private link" e-mails to the same registration: the
    # form posted again and again (or by a stranger) does not fill the mailbox.
    PRIVATE_LINK_MAIL_INTERVAL = 5 * 60

    PASSWORD_HASH_METHOD = "scrypt"

    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = False
    MAIL_DEFAULT_SENDER = "meetings@localhost"
    # Seconds the mail server gets to answer each step before a try counts as failed.
    MAIL_TIMEOUT = 10.0
    # How long a worker keeps the mails it took to send (longer than a batch takes):
    # if it dies, others take them once this has passed.
    MAIL_CLAIM_SECONDS = 300
    # Right-hand part of Message-IDs; unset, the host name of PUBLIC_URL.
    MAIL_MESSAGE_ID_DOMAIN = ""

    # How many proxies in front of the app set X-Forwarded-* headers we trust.
    PROXY_COUNT = 0
    # The site's address as people reach it (https://meetings.example.org): links in
    # e-mails, feeds and QR codes are built from it, and requests for another host
    # name are refused. Unset (development), the request's own address is used.
    PUBLIC_URL = ""
    HSTS_SECONDS = 0

    # The task queue (meeting_app/core/tasks.py): Redis, such as
    # redis://127.0.0.1:6379/0. Unset, tasks run in the web process after each response.
    CELERY_BROKER_URL = ""
    # Unset, task results are not kept by Celery: what tasks make lives in the database.
    CELERY_RESULT_BACKEND = ""
    # The queue's name: two sites on one Redis database keep their tasks apart.
    CELERY_QUEUE = "meeting_app"

    # Draw badges in the background as registrations change, so that printing them
    # is quick (meeting_app/documents/ahead.py).
    BADGES_AHEAD = True
    # Draw the programme booklet when the agenda is published, so that no download
    # waits for it (meeting_app/documents/booklet_store.py).
    BOOKLETS_AHEAD = True
    # A change in the booklet's listed delegates redraws it this many seconds later,
    # once for all the changes in between.
    BOOKLET_REDRAW_DELAY = 60
    # A print or render job whose tasks have not said they are alive for this long
    # has lost its worker: it is marked failed and may be started again.
    RENDER_HEARTBEAT_SECONDS = 60
    # A participant export of more rows than this is written by a task (a job with a
    # progress page), not in the request: a web worker's timeout would kill it.
    EXPORT_IN_REQUEST_MAX_ROWS = 2000
    # The list of participants of more people than this is drawn by a task too (its
    # PDF takes some 2 s a thousand people).
    LIST_IN_REQUEST_MAX_PEOPLE = 1000
    # The largest meeting document file and credentials letter accepted (bytes).
    DOCUMENT_MAX_BYTES = 20_000_000
    CREDENTIALS_MAX_BYTES = 10_000_000

    # The demo accounts named in the README may sign in everywhere but in production.
    DEMO_ACCOUNTS_ALLOWED = True
    REQUIRED_ENVIRONMENT: tuple[str, ...] = ()


class DevelopmentConfig(Config):
    pass


class TestingConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = "sqlite:///:memory:"
    # Forms are posted without tokens in most tests; the CSRF tests turn it on.
    WTF_CSRF_ENABLED = False
    # A cheap hash keeps the suite fast; the other configurations keep scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # No background drawing after every commit; the tests of it turn it on.
    BADGES_AHEAD = False
    BOOKLETS_AHEAD = False


class ProductionConfig(Config):
    HSTS_SECONDS = 365 * 24 * 3600
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEMO_ACCOUNTS_ALLOWED = False
    REQUIRED_ENVIRONMENT = ("SECRET_KEY", "DATABASE_URL", "PUBLIC_URL")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}

_TRUE = {"1", "true", "yes", "on"}


def config_class(name: str | None = None) -> type[Config]:
    """The configuration class named by `name` or by APP_CONFIG (default development)."""
    name = (name or os.environ.get("APP_CONFIG") or "development").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"Unknown APP_CONFIG {name!r}: use one of {', '.join(CONFIGS)}."
        ) from None


def from_environment(cls: type[Config], environ=os.environ) -> dict:
    """Settings given in the environment, as config keys.

    Raises RuntimeError when a setting the configuration requires is missing.
    """
    missing = [name for name in cls.REQUIRED_ENVIRONMENT if not environ.get(name)]
    if missing:
        raise RuntimeError(
            f"{cls.__name__} refuses to start without {' and '.join(missing)} in the environment."
        )
    settings: dict = {}
    database_url = environ.get("DATABASE_URL")
    if cls is TestingConfig:
        database_url = environ.get("TEST_DATABASE_URL") or None
    if database_url:
        settings["SQLALCHEMY_DATABASE_URI"] = database_url
    for key in (
        "SECRET_KEY",
        "RATELIMIT_STORAGE_URI",
        "LOGIN_RATE_LIMIT",
        "REGISTRATION_RATE_LIMIT",
        "TOKEN_LOOKUP_RATE_LIMIT",
        "MAIL_SERVER",
        "MAIL_USERNAME",
        "MAIL_PASSWORD",
        "MAIL_DEFAULT_SENDER",
        "MAIL_MESSAGE_ID_DOMAIN",
        "PUBLIC_URL",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "CELERY_QUEUE",
    ):
        if environ.get(key):
            settings[key] = environ[key]
    for key in (
        "MAIL_PORT",
        "PROXY_COUNT",
        "PRIVATE_LINK_MAIL_INTERVAL",
        "MAIL_CLAIM_SECONDS",
        "RENDER_HEARTBEAT_SECONDS",
        "EXPORT_IN_REQUEST_MAX_ROWS",
        "LIST_IN_REQUEST_MAX_PEOPLE",
        "BOOKLET_REDRAW_DELAY",
        "MESSAGE_ATTACHMENTS_MAX_BYTES",
        "DOCUMENT_MAX_BYTES",
        "CREDENTIALS_MAX_BYTES",
    ):
        if environ.get(key):
            settings[key] = int(environ[key])
    if environ.get("MAIL_TIMEOUT"):
        settings["MAIL_TIMEOUT"] = float(environ["MAIL_TIMEOUT"])
    for key in ("MAIL_USE_TLS", "RATELIMIT_ENABLED", "BADGES_AHEAD", "BOOKLETS_AHEAD"):
        if environ.get(key):
            settings[key] = environ[key].lower() in _TRUE
    return settings
