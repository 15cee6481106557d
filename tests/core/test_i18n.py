"""The interface in French, English and Spanish, and complete catalogs."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from meeting_app.accounts.models import Role

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "meeting_app" / "translations"

# One string per language that each public page must show.
EXPECTED = {
    "fr": ("Prochaines réunions", "Connexion du personnel"),
    "en": ("Upcoming meetings", "Staff sign-in"),
    "es": ("Próximas reuniones", "Acceso del personal"),
}


@pytest.mark.parametrize("language", ["fr", "en", "es"])
def test_public_pages_follow_the_browser_language(client, make_meeting, language):
    make_meeting(slug="rabat")
    upcoming, sign_in = EXPECTED[language]
    for path in ("/", "/meetings/rabat/", "/login", "/no-such-page"):
        page = client.get(path, headers={"Accept-Language": f"{language};q=1, de;q=0.5"})
        html = page.get_data(as_text=True)
        assert f'<html lang="{language}">' in html, path
        assert sign_in in html, path
    assert upcoming in client.get("/", headers={"Accept-Language": language}).get_data(True)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_staff_pages_are_translated(client, make_user, login, language):
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post("/language", data={"language": language, "next": "/"})
    html = client.get("/manage/").get_data(as_text=True)
    assert {"fr": "Administration", "es": "Administración"}[language] in html


def test_unsupported_browser_language_falls_back_to_english(client):
    html = client.get("/", headers={"Accept-Language": "de, ja"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_explicit_choice_is_remembered_over_the_browser(client):
    response = client.post("/language", data={"language": "es", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es">' in html


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "evil"])
def test_language_switch_never_redirects_off_site(client, next_url):
    response = client.post("/language", data={"language": "fr", "next": next_url})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_refused(client):
    assert client.post("/language", data={"language": "de", "next": "/"}).status_code == 400
    assert client.post("/language", data={}).status_code == 400


def test_missing_translation_of_content_falls_back_and_says_so(client, make_meeting):
    make_meeting(
        slug="dakar", default_language="fr", title={"fr": "Réunion de Dakar", "en": "Dakar meeting"}
    )
    html = client.get("/meetings/dakar/", headers={"Accept-Language": "es"}).get_data(True)
    assert '<span lang="fr">Réunion de Dakar</span>' in html
    assert "(en francés: aún sin traducción)" in html
    english = client.get("/meetings/dakar/", headers={"Accept-Language": "en"}).get_data(True)
    assert "Dakar meeting" in english and "no translation yet" not in english


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle)


def test_catalog_template_is_not_stale(tmp_path):
    """Every string in the code and templates is in messages.pot (run
    `make update-translations` when this fails), and nothing else is."""
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(fresh),
            "--no-location",
            "--sort-output",
            "--omit-header",
            "meeting_app",
            "templates",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(fresh, "rb") as handle:
        extracted = {m.id for m in read_po(handle) if m.id}
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        committed = {m.id for m in read_po(handle) if m.id}
    assert extracted == committed


@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_every_interface_string_is_in_the_catalog(language):
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    catalog = _catalog(language)
    assert wanted - {m.id for m in catalog if m.id} == set()


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_catalogs_are_complete(language):
    catalog = _catalog(language)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
