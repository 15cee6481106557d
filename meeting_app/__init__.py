"""The meeting manager: a Flask application for international programme meetings."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import config as app_config


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app for the configuration named (or APP_CONFIG's, or development).

    `overrides` is applied last; the tests use it.
    """
    app = Flask(
        __name__,
        template_folder=str(app_config.BASE_DIR / "templates"),
        static_folder=str(app_config.BASE_DIR / "static"),
        instance_path=str(app_config.INSTANCE_DIR),
    )
    cls = app_config.config_class(config_name)
    app.config.from_object(cls)
    app.config.update(app_config.from_environment(cls))
    app.config.update(overrides or {})
    app.config["CONFIG_NAME"] = cls.__name__

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        app_config.INSTANCE_DIR.mkdir(exist_ok=True)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    register_extensions(app)
    from meeting_app.core import security, tasks

    tasks.init_app(app)

    security.install(app)
    register_blueprints(app)
    from meeting_app.core import limits

    limits.guard_token_routes(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from meeting_app.core import database, uploads
    from meeting_app.core.i18n import select_locale
    from meeting_app.documents import ahead as badges_ahead
    from meeting_app.documents import booklet_store
    from meeting_app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from meeting_app.models import import_all_models

    import_all_models()
    # Before CSRF's hook, which reads the form: the body-size limit must apply to it.
    uploads.install(app)
    database.install_sqlite_pragmas()
    db.init_app(app)
    badges_ahead.listen()
    booklet_store.listen()
    migrate.init_app(
        app,
        db,
        directory=str(app_config.BASE_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from meeting_app.accounts import services as accounts

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "strong"
    login_manager.user_loader(accounts.load_user)
    login_manager.localize_callback = _translate
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.login_message_category = "info"


def N_(message: str) -> str:
    """Marks a string for the catalogs; it is translated where it is shown."""
    return message


def _translate(message: str) -> str:
    from flask_babel import gettext

    return gettext(message)


def register_blueprints(app: Flask) -> None:
    from meeting_app.accounts.staff_views import bp as staff_bp
    from meeting_app.accounts.views import bp as accounts_bp
    from meeting_app.agenda.manage_views import bp as agenda_manage_bp
    from meeting_app.agenda.views import bp as agenda_bp
    from meeting_app.communiques.manage_views import bp as communiques_manage_bp
    from meeting_app.communiques.views import bp as communiques_bp
    from meeting_app.core.views import bp as core_bp
    from meeting_app.delegations.focal_views import bp as focal_point_bp
    from meeting_app.delegations.views import bp as delegations_bp
    from meeting_app.delegations.views import manage_bp as delegations_manage_bp
    from meeting_app.desk.views import bp as desk_bp
    from meeting_app.documents.booklet_views import bp as booklet_bp
    from meeting_app.documents.desk_views import bp as documents_desk_bp
    from meeting_app.documents.views import bp as documents_bp
    from meeting_app.documents.views import manage_bp as documents_manage_bp
    from meeting_app.manage.views import bp as manage_bp
    from meeting_app.materials.views import bp as materials_bp
    from meeting_app.materials.views import desk_bp as materials_desk_bp
    from meeting_app.materials.views import manage_bp as materials_manage_bp
    from meeting_app.materials.views import private_bp as materials_private_bp
    from meeting_app.meetings.views import bp as meetings_bp
    from meeting_app.messages import (
        reminder_views,  # noqa: F401 (its routes, on messages' bp)
        texts_views,  # noqa: F401 (its routes, on messages' bp)
    )
    from meeting_app.messages.views import bp as messages_manage_bp
    from meeting_app.outcomes.views import bp as outcomes_manage_bp
    from meeting_app.outcomes.views import desk_bp as outcomes_desk_bp
    from meeting_app.outcomes.views import public_bp as outcomes_bp
    from meeting_app.privacy.views import bp as privacy_bp
    from meeting_app.privacy.views import manage_bp as privacy_manage_bp
    from meeting_app.questions.views import bp as questions_manage_bp
    from meeting_app.registration.manage_views import bp as registration_manage_bp
    from meeting_app.registration.views import bp as registration_bp
    from meeting_app.surveys.views import bp as surveys_manage_bp
    from meeting_app.surveys.views import participant_bp as surveys_bp
    from meeting_app.travel.sponsorship_views import bp as sponsorship_bp
    from meeting_app.travel.sponsorship_views import manage_bp as sponsorship_manage_bp
    from meeting_app.travel.views import bp as travel_bp
    from meeting_app.travel.views import desk_bp as travel_desk_bp
    from meeting_app.travel.views import manage_bp as travel_manage_bp

    for bp in (
        core_bp,
        meetings_bp,
        registration_bp,
        delegations_bp,
        focal_point_bp,
        agenda_bp,
        communiques_bp,
        accounts_bp,
        staff_bp,
        manage_bp,
        registration_manage_bp,
        delegations_manage_bp,
        agenda_manage_bp,
        communiques_manage_bp,
        desk_bp,
        documents_desk_bp,
        booklet_bp,
        documents_bp,
        documents_manage_bp,
        privacy_bp,
        privacy_manage_bp,
        messages_manage_bp,
        travel_bp,
        travel_manage_bp,
        travel_desk_bp,
        sponsorship_bp,
        sponsorship_manage_bp,
        questions_manage_bp,
        surveys_manage_bp,
        surveys_bp,
        materials_bp,
        materials_private_bp,
        materials_manage_bp,
        materials_desk_bp,
        outcomes_bp,
        outcomes_manage_bp,
        outcomes_desk_bp,
    ):
        app.register_blueprint(bp)


def register_template_helpers(app: Flask) -> None:
    from meeting_app.core import i18n, security

    app.jinja_env.filters.update(
        localized=i18n.localized,
        local_datetime=i18n.format_local_datetime,
        date_range=i18n.format_date_range,
    )
    app.context_processor(i18n.template_context)

    from meeting_app.agenda.models import SessionRole

    app.jinja_env.filters["isotime"] = i18n.format_snapshot_time
    app.jinja_env.filters["clock"] = i18n.format_clock
    # Calendar apps subscribe to webcal:// addresses (the same feed over http(s)).
    app.jinja_env.filters["webcal"] = lambda url: "webcal://" + url.split("://", 1)[1]
    app.jinja_env.globals["absolute_url"] = security.absolute_url
    app.jinja_env.filters["role_label"] = lambda value: SessionRole(value).label
    app.jinja_env.filters["language_name"] = i18n.language_name
    # A global, not a context variable: the macros imported from partials use it too.
    app.jinja_env.globals["text_direction"] = i18n.text_direction

    from meeting_app.registration.models import GENDERS

    app.jinja_env.globals["genders"] = GENDERS

    from meeting_app.communiques.services import pick_text

    # The language version a reader gets: theirs if published, else the default one.
    app.jinja_env.filters["public_text"] = lambda c: pick_text(c, None, i18n.current_language())


def register_errorhandlers(app: Flask) -> None:
    from meeting_app.core.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from meeting_app.cli import register

    register(app)
