"""The interface in French, English, Spanish, Arabic and Russian, and complete
catalogs with each language's plural forms."""

import gettext
import subprocess
import sys
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po
from babel.units import format_unit
from flask_babel import force_locale, ngettext

import config
from meeting_app.accounts.models import Role
from meeting_app.core.i18n import LANGUAGE_NAMES, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "meeting_app" / "translations"

# One string per language that each public page must show.
EXPECTED = {
    "fr": ("Prochaines réunions", "Connexion du personnel"),
    "en": ("Upcoming meetings", "Staff sign-in"),
    "es": ("Próximas reuniones", "Acceso del personal"),
}


def test_one_list_of_languages_for_the_interface_and_the_content():
    """The interface's languages (config) are the content's (core.i18n), in one order."""
    assert config.Config.LANGUAGES == LANGUAGES == ("fr", "en", "es", "ar", "ru")
    assert set(LANGUAGE_NAMES) == set(LANGUAGES)


def _expected(language: str) -> tuple[str, str]:
    """EXPECTED's two strings in `language`: as written above, or as its catalog
    translates them (Arabic and Russian, whose catalogs are written apart)."""
    if language in EXPECTED:
        return EXPECTED[language]
    catalog = _catalog(language)
    return tuple(catalog.get(english).string for english in EXPECTED["en"])


@pytest.mark.parametrize("language", ["fr", "en", "es", "ar", "ru"])
def test_public_pages_follow_the_browser_language(client, make_meeting, language):
    make_meeting(slug="rabat")
    upcoming, sign_in = _expected(language)
    assert upcoming and sign_in, "not translated yet"
    for path in ("/", "/meetings/rabat/", "/login", "/no-such-page"):
        page = client.get(path, headers={"Accept-Language": f"{language};q=1, de;q=0.5"})
        html = page.get_data(as_text=True)
        assert f'<html lang="{language}"' in html, path
        assert sign_in in html, path
    assert upcoming in client.get("/", headers={"Accept-Language": language}).get_data(True)


@pytest.mark.parametrize("language", ["ar", "ru"])
def test_the_language_switcher_offers_the_five_languages(client, language):
    html = client.get("/").get_data(as_text=True)
    for code, name in LANGUAGE_NAMES.items():
        assert f'name="language" value="{code}"' in html and name in html
    client.post("/language", data={"language": language, "next": "/"})
    assert f'<html lang="{language}"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("language", ["fr", "es"])
def test_staff_pages_are_translated(client, make_user, login, language):
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    client.post("/language", data={"language": language, "next": "/"})
    html = client.get("/manage/").get_data(as_text=True)
    assert {"fr": "Administration", "es": "Administración"}[language] in html


def test_unsupported_browser_language_falls_back_to_english(client):
    html = client.get("/", headers={"Accept-Language": "de, ja"}).get_data(as_text=True)
    assert '<html lang="en"' in html


def test_explicit_choice_is_remembered_over_the_browser(client):
    response = client.post("/language", data={"language": "es", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="es"' in html


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
    assert '<span lang="fr"' in html and ">Réunion de Dakar</span>" in html
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


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_interface_string_is_in_the_catalog(language):
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    catalog = _catalog(language)
    assert wanted - {m.id for m in catalog if m.id} == set()


# How many forms a count takes in each language (CLDR, as gettext numbers them).
PLURAL_FORMS = {"fr": 3, "es": 3, "ar": 6, "ru": 3}


@pytest.mark.parametrize("language", ["fr", "es", "ar", "ru"])
def test_catalogs_are_complete_with_each_languages_plural_forms(language):
    """English is the code's own language; every other catalog translates every
    string, none fuzzy, and every count in all the forms its language has (Arabic
    six, Russian three)."""
    catalog = _catalog(language)
    assert catalog.num_plurals == PLURAL_FORMS[language]
    untranslated = [
        m.id
        for m in catalog
        if m.id
        and (
            not m.string
            or (m.pluralizable and not all(m.string))
            or (m.pluralizable and len(m.string) != catalog.num_plurals)
        )
    ]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


# A count of the interface's ("3 participants"): a message the catalogs translate.
COUNTED = ("%(num)d participant", "%(num)d participants")
NUMBERS = (0, 1, 2, 3, 11, 100)
# A noun CLDR counts in every language and that declines as "participant" does
# (Arabic يوم and مشارك are both masculine; Russian день and участник too).
LIKE_PARTICIPANT = "duration-day"


def _alike(texts: list[str]) -> set[frozenset[int]]:
    """Which of NUMBERS share a text (the number itself aside): {0, 100}, {1}..."""
    shapes = [text.replace(str(n), "#") for n, text in zip(NUMBERS, texts, strict=True)]
    return {frozenset(i for i, s in enumerate(shapes) if s == shape) for shape in shapes}


@pytest.mark.parametrize(
    ("language", "categories"),
    [
        ("ar", ["zero", "one", "two", "few", "many", "other"]),
        ("ru", ["many", "one", "few", "few", "many", "many"]),
    ],
)
def test_counts_take_the_plural_form_cldr_gives_each_number(app, language, categories):
    """0, 1, 2, 3, 11 and 100 fall in six different CLDR categories in Arabic (in
    Russian: 'many', 'one', 'few', 'few', 'many', 'many'). The catalog's plural rule
    picks one form per category, its forms differ where CLDR's forms of a like noun
    differ (Arabic's 'zero' and 'other' coincide for it: "0 يوم", "100 يوم"), and
    Flask-Babel's ngettext shows the form chosen, the number put in."""
    assert [Locale.parse(language).plural_form(n) for n in NUMBERS] == categories
    catalog = _catalog(language)
    (message,) = [m for m in catalog if m.id == COUNTED]
    forms = list(message.string)
    assert len(forms) == catalog.num_plurals and all(forms), "not translated yet"
    choose = gettext.c2py(catalog.plural_expr)
    chosen = [choose(n) for n in NUMBERS]
    # The catalog's rule follows CLDR: one form per category, a different one for each.
    index_of = dict(zip(categories, chosen, strict=True))
    assert [index_of[category] for category in categories] == chosen
    assert len(set(index_of.values())) == len(index_of)
    shown = [forms[index] % {"num": n} for n, index in zip(NUMBERS, chosen, strict=True)]
    cldr = [format_unit(n, LIKE_PARTICIPANT, length="long", locale=language) for n in NUMBERS]
    assert _alike(shown) == _alike(cldr)
    with app.test_request_context(), force_locale(language):
        assert [ngettext(*COUNTED, n) for n in NUMBERS] == shown
