"""What the public reads: the list and its filters, one communiqué with its other
languages, its PDF, the Atom feed, and the meeting's and home page's links."""

import io
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from lxml import etree
from pypdf import PdfReader

from meeting_app.communiques import services
from meeting_app.extensions import db

FR = (
    "Rabat 2022 : le Conseil se réunit",
    "Les membres ont salué les résultats.",
    "Le Conseil s'est réuni.\n\n> « Le développement se construit dans les territoires »",
)


@pytest.fixture
def rabat_communique(make_meeting, make_communique):
    meeting = make_meeting(slug="rabat", title={"en": "Rabat board", "fr": "Conseil de Rabat"})
    return make_communique(
        meeting,
        title="Rabat 2022: the Board meets",
        summary="Members welcomed the results.",
        body="The Board met.\n\n## Next steps\n\n- cities\n- diaspora",
        sdgs=[5, 1, 17],
        translations={"fr": FR},
        published_at=datetime(2022, 6, 15, 10, tzinfo=UTC),
    )


def html_of(client, path, language="en"):
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_page_offers_the_other_language_and_declares_hreflang_alternates(client, rabat_communique):
    html = html_of(client, "/communiques/" + rabat_communique.slug, "en")
    assert "<h1>Rabat 2022: the Board meets</h1>" in html
    assert '<article class="communique" lang="en">' in html
    base = "http://localhost/communiques/" + rabat_communique.slug
    assert f'<link rel="alternate" hreflang="fr" href="{base}?lang=fr">' in html
    assert f'<link rel="alternate" hreflang="en" href="{base}?lang=en">' in html
    assert 'hreflang="es"' not in html  # no Spanish version: simply absent
    assert f'<link rel="canonical" href="{base}?lang=en">' in html
    # The visible link to the French text, named in French.
    assert 'hreflang="fr" lang="fr" rel="alternate">Français</a>' in html
    french = html_of(client, f"/communiques/{rabat_communique.slug}?lang=fr", "en")
    assert "<h1>Rabat 2022 : le Conseil se réunit</h1>" in french
    assert "<blockquote>" in french and "« Le développement" in french


def test_page_follows_the_readers_language_when_none_is_asked(client, rabat_communique):
    html = html_of(client, "/communiques/" + rabat_communique.slug, "fr")
    assert "Rabat 2022 : le Conseil se réunit" in html
    spanish_reader = html_of(client, "/communiques/" + rabat_communique.slug, "es")
    assert "Rabat 2022: the Board meets" in spanish_reader  # the default language
    missing = html_of(client, f"/communiques/{rabat_communique.slug}?lang=es", "en")
    assert "not published in the language you asked for" in missing


def test_open_graph_tags_describe_the_version_shown(client, rabat_communique):
    html = html_of(client, f"/communiques/{rabat_communique.slug}?lang=fr")
    assert '<meta property="og:title" content="Rabat 2022 : le Conseil se réunit">' in html
    assert '<meta property="og:description" content="Les membres ont salué les résultats.">' in html
    assert '<meta property="og:locale" content="fr_FR">' in html
    assert '<meta property="og:locale:alternate" content="en_GB">' in html
    assert '<meta property="og:type" content="article">' in html
    assert 'content="2022-06-15T10:00:00+00:00"' in html


def test_goals_are_shown_as_badges_in_their_colours_and_the_texts_language(
    client, rabat_communique
):
    html = html_of(client, f"/communiques/{rabat_communique.slug}?lang=fr", "en")
    assert html.index("ODD 1") < html.index("ODD 5") < html.index("ODD 17")
    assert "Égalité entre les sexes" in html
    assert 'style="background: #FF3A21; color: #000000"' in html  # 5.9:1, white is 3.6:1


def test_draft_and_future_communiques_are_not_public(client, make_communique):
    hidden = make_communique(title="Secret draft", publish=False)
    assert client.get("/communiques/" + hidden.slug).status_code == 404
    later = make_communique(title="Later news", publish=False)
    services.publish(
        later,
        expected_version=later.version,
        at=datetime.now(UTC) + timedelta(hours=1),
    )
    db.session.commit()
    assert client.get("/communiques/" + later.slug).status_code == 404
    assert "Later news" not in html_of(client, "/communiques/")


def test_scheduled_communique_appears_when_its_time_comes(client, make_communique):
    due = make_communique(title="Due news", publish=False)
    services.publish(due, expected_version=due.version, at=datetime.now(UTC) + timedelta(minutes=5))
    db.session.commit()
    assert client.get("/communiques/" + due.slug).status_code == 404
    # Five minutes later (moved back rather than waited for): it is public, no job ran.
    due.published_at = datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    assert "Due news" in html_of(client, "/communiques/" + due.slug)
    assert "Due news" in html_of(client, "/communiques/")


def test_old_slug_redirects_to_the_new_one(client, make_communique):
    communique = make_communique(title="Old name", publish=False)
    old = communique.slug
    services.save_text(
        communique,
        language="en",
        title="New name",
        summary="",
        body="Text.",
        sdgs=[],
        slug="new-name",
        expected_version=communique.version,
    )
    services.publish(communique, expected_version=communique.version)
    db.session.commit()
    response = client.get(f"/communiques/{old}?lang=en")
    assert response.status_code == 301
    assert response.headers["Location"] == "/communiques/new-name?lang=en"
    assert client.get(f"/communiques/{old}.pdf").headers["Location"] == "/communiques/new-name.pdf"


def test_list_is_newest_first_filtered_by_meeting_and_goal_and_paginated(
    client, make_meeting, make_communique
):
    rabat, dakar = make_meeting(slug="rabat"), make_meeting(slug="dakar")
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for n in range(12):
        make_communique(
            rabat if n % 2 else dakar,
            title=f"News number {n:02d}",
            sdgs=[5] if n % 3 == 0 else [1],
            published_at=start + timedelta(days=n),
        )
    first_page = html_of(client, "/communiques/")
    shown = [f"News number {n:02d}" for n in range(11, 1, -1)]
    assert [first_page.index(title) for title in shown] == sorted(
        first_page.index(title) for title in shown
    )
    assert "News number 01" not in first_page and "Page 1 of 2" in first_page
    second_page = html_of(client, "/communiques/?page=2")
    assert "News number 01" in second_page and "News number 00" in second_page
    by_meeting = html_of(client, "/communiques/?meeting=rabat")
    assert "News number 03" in by_meeting and "News number 02" not in by_meeting
    by_goal = html_of(client, "/communiques/?sdg=5")
    assert {n for n in range(12) if f"News number {n:02d}" in by_goal} == {0, 3, 6, 9}
    assert "News number" not in html_of(client, "/communiques/?meeting=nowhere")
    assert html_of(client, "/communiques/?sdg=99").count("News number") == 10  # ignored


def test_atom_feed_is_well_formed_and_has_one_entry_per_language(client, rabat_communique):
    response = client.get("/communiques/feed.atom")
    assert response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.get_data())  # raises if not well-formed
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    entries = {entry.title: entry for entry in feed.entries}
    assert set(entries) == {"Rabat 2022: the Board meets", "Rabat 2022 : le Conseil se réunit"}
    french = entries["Rabat 2022 : le Conseil se réunit"]
    assert french.link == f"http://localhost/communiques/{rabat_communique.slug}?lang=fr"
    assert french.id.startswith("urn:uuid:")
    assert french.updated_parsed[:5] == (2022, 6, 15, 10, 0)
    assert "<blockquote>" in french.content[0].value
    assert french.summary == "Les membres ont salué les résultats."
    assert {tag.term for tag in french.tags} == {"sdg-1", "sdg-5", "sdg-17"}
    assert len({entry.id for entry in feed.entries}) == 2
    # The same ids on the next read: readers do not see the entries as new.
    again = feedparser.parse(client.get("/communiques/feed.atom").get_data())
    assert [e.id for e in again.entries] == [e.id for e in feed.entries]


AR = (
    "الرباط 2022: المجلس يجتمع",
    "رحّب الأعضاء بالنتائج.",
    "اجتمع المجلس في الرباط.",
)


@pytest.fixture
def rabat_in_three(make_meeting, make_communique):
    meeting = make_meeting(slug="rabat", languages=["fr", "en", "ar"])
    return make_communique(
        meeting,
        title="Rabat 2022: the Board meets",
        summary="Members welcomed the results.",
        body="The Board met.",
        translations={"fr": FR, "ar": AR},
        published_at=datetime(2022, 6, 15, 10, tzinfo=UTC),
    )


def test_feed_and_entries_say_their_language(client, rabat_in_three):
    """xml:lang on each entry (its version's language) and on the feed (its own
    title's, the reader's, or the one the address names)."""
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    atom = "{http://www.w3.org/2005/Atom}"
    body = client.get("/communiques/feed.atom", headers={"Accept-Language": "fr"}).get_data()
    root = etree.fromstring(body)
    assert root.get(xml_lang) == "fr"
    entries = {e.findtext(f"{atom}title"): e.get(xml_lang) for e in root.iter(f"{atom}entry")}
    assert entries == {
        "Rabat 2022: the Board meets": "en",
        "Rabat 2022 : le Conseil se réunit": "fr",
        "الرباط 2022: المجلس يجتمع": "ar",
    }
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    arabic = next(e for e in feed.entries if e.title == AR[0])
    assert arabic.link.endswith("?lang=ar") and arabic.summary == AR[1]
    russian = etree.fromstring(client.get("/communiques/feed.atom?lang=ru").get_data())
    assert russian.get(xml_lang) == "ru"


def test_arabic_version_has_its_open_graph_locale_and_alternates(client, rabat_in_three):
    html = html_of(client, f"/communiques/{rabat_in_three.slug}?lang=ar", "en")
    assert '<article class="communique" lang="ar"' in html
    assert '<meta property="og:locale" content="ar_AR">' in html
    base = "http://localhost/communiques/" + rabat_in_three.slug
    assert f'<link rel="alternate" hreflang="ar" href="{base}?lang=ar">' in html


def test_every_language_has_an_open_graph_locale():
    from meeting_app.communiques.views import OG_LOCALES
    from meeting_app.core.i18n import LANGUAGES

    assert set(OG_LOCALES) == set(LANGUAGES)


def test_pdf_has_the_letterhead_text_and_goals(client, rabat_communique):
    response = client.get(f"/communiques/{rabat_communique.slug}.pdf?lang=fr")
    assert response.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Rabat 2022 : le Conseil se réunit" in text
    assert "15 juin 2022" in text
    assert "Les membres ont salué les résultats." in text
    assert "Le développement se construit dans les territoires" in text
    assert "Objectifs de développement durable" in text and "ODD 17" in text


def test_meeting_page_and_home_page_link_the_communique(client, rabat_communique):
    path = f"/communiques/{rabat_communique.slug}?lang=en"
    assert f'href="{path}"' in html_of(client, "/meetings/rabat/")
    home = html_of(client, "/")
    assert f'href="{path}"' in home
    assert 'type="application/atom+xml"' in home and 'href="/communiques/feed.atom"' in home


def test_a_correction_shows_both_dates(client, make_communique):
    communique = make_communique(
        title="Corrected news", published_at=datetime(2022, 6, 15, 10, tzinfo=UTC)
    )
    services.publish(communique, expected_version=communique.version)
    db.session.commit()
    html = html_of(client, "/communiques/" + communique.slug)
    assert "June 15, 2022" in html and "· updated " in html
    feed = feedparser.parse(client.get("/communiques/feed.atom").get_data())
    (entry,) = feed.entries
    assert entry.published_parsed[:3] == (2022, 6, 15)
    assert entry.updated_parsed[:3] > (2022, 6, 15)


def test_demo_communique_reads_as_a_press_release_in_french_and_english(client, demo_loaded):
    html = html_of(client, "/communiques/rabat-2022-communique?lang=en")
    assert "<h1>Rabat 2022: Programme Board puts local governments" in html
    assert "<blockquote>" in html and "<h2>For more information</h2>" in html
    assert html.count('class="sdg-badge"') == 8
    assert 'hreflang="fr" lang="fr" rel="alternate">Français</a>' in html
    assert "June 15, 2022" in html
    french = html_of(client, "/communiques/rabat-2022-communique", "fr")
    assert "<h2>Pour en savoir plus</h2>" in french and "15 juin 2022" in french


def test_pdf_of_hostile_markdown_renders_without_fetching_anything(client, make_communique):
    communique = make_communique(
        title="Safe",
        body=(
            '<img src="file:///etc/passwd"> <link rel="stylesheet" href="https://evil.example/x.css">'
            '<iframe src="file:///etc/hosts"></iframe> <p style="background:url(file:///etc/passwd)">'
            "Still here</p>"
        ),
    )
    response = client.get(f"/communiques/{communique.slug}.pdf")
    assert response.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "Still here" in text and "root:" not in text


def test_demo_pdf_is_on_the_programmes_letterhead_with_a_running_header(client, demo_loaded):
    response = client.get("/communiques/rabat-2022-communique.pdf?lang=fr")
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.get_data())).pages]
    assert len(pages) >= 2
    programme = "Programme mondial sur la migration pour le développement durable"
    assert all(programme in " ".join(page.split()) for page in pages)
    assert "COMMUNIQUÉ" in pages[0] and "1 / " in pages[0]
