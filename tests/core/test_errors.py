"""Error pages: in the reader's language, never a stack trace."""

import pytest
from flask import Blueprint

from meeting_app.extensions import db
from tests.conftest import make_app


@pytest.mark.parametrize(
    ("language", "title"),
    [
        ("fr", "Page introuvable"),
        ("en", "Page not found"),
        ("es", "Página no encontrada"),
    ],
)
def test_unknown_meeting_gives_a_404_page_in_the_readers_language(client, language, title):
    response = client.get("/meetings/no-such-meeting/", headers={"Accept-Language": language})
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_draft_meeting_is_not_public(client, make_meeting):
    make_meeting(slug="secret", status="draft")
    assert client.get("/meetings/secret/").status_code == 404


def test_unexpected_error_gives_a_friendly_500_and_rolls_back(database_url, app_context):
    app = make_app(database_url, PROPAGATE_EXCEPTIONS=False)
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        db.session.execute(db.text("SELECT 1"))
        raise RuntimeError("kaboom")

    app.register_blueprint(boom)
    response = app.test_client().get("/boom", headers={"Accept-Language": "fr"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "kaboom" not in page and "Traceback" not in page
    assert '<html lang="fr">' in page


def test_wrong_method_gets_a_405_page(client):
    assert client.post("/healthz").status_code == 405
