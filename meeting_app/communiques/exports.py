"""The communiqué as a PDF (WeasyPrint) and the Atom feed: pure functions that
return bytes; the views only wrap them."""

import uuid
from datetime import datetime
from xml.etree import ElementTree as ET

from babel.dates import format_date
from flask import render_template
from flask_babel import force_locale

from meeting_app.communiques import markup
from meeting_app.communiques.models import Communique, CommuniqueText
from meeting_app.communiques.sdgs import badges, goals_of
from meeting_app.core.i18n import localized
from meeting_app.core.security import absolute_url
from meeting_app.documents.pdf import bidi, render_pdf

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Entry ids are URNs derived from the communiqué's id and language: they never
# change, whatever the slug, title or host name the app is later served under.
ID_NAMESPACE = uuid.UUID("6b0f3c52-4d0e-4f0e-9a57-6c6f6d6d756e")


def programme_name(communique: Communique, language: str) -> str:
    meeting = communique.meeting
    if meeting is None or meeting.series is None:
        return ""
    return localized(meeting.series.programme, meeting.default_language, language).text


def published_on(communique: Communique, language: str) -> str:
    return format_date(communique.dated, "long", locale=language)


def corrected_on(communique: Communique, language: str) -> str:
    return (
        format_date(communique.corrected, "long", locale=language) if communique.corrected else ""
    )


def communique_html(communique: Communique, text: CommuniqueText) -> str:
    language = text.language
    with force_locale(language):
        return render_template(
            "pdf/communique.html",
            communique=communique,
            text=text,
            body=markup.published_html(text.published_body),
            goals=badges(communique.sdgs, language),
            programme=programme_name(communique, language),
            published_on=published_on(communique, language),
            corrected_on=corrected_on(communique, language),
            **bidi(language),
        )


def communique_pdf(communique: Communique, text: CommuniqueText) -> bytes:
    return render_pdf(communique_html(communique, text))


def entry_id(communique: Communique, language: str) -> str:
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'communique/{communique.id}/{language}')}"


def _time(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def atom_feed(
    communiques: list[Communique], *, title: str, updated: datetime, language: str
) -> bytes:
    """One entry per published language version, newest first, each with its
    xml:lang; the feed's own xml:lang is `language`, that of its `title`. Needs a
    request context (for the absolute URLs)."""
    ET.register_namespace("", ATOM)

    def sub(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: language})
    sub(feed, "id", f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, 'communiques')}")
    sub(feed, "title", title)
    sub(feed, "updated", _time(updated))
    sub(feed, "link", rel="self", href=absolute_url("communiques.feed"))
    sub(feed, "link", rel="alternate", href=absolute_url("communiques.index"))
    sub(feed, "generator", "Meeting manager")
    for communique in communiques:
        for text in communique.published_texts:
            entry = sub(feed, "entry")
            entry.set(XML_LANG, text.language)
            sub(entry, "id", entry_id(communique, text.language))
            sub(entry, "title", text.published_title)
            sub(entry, "published", _time(communique.dated))
            sub(entry, "updated", _time(communique.published_at))
            author = sub(entry, "author")
            sub(author, "name", programme_name(communique, text.language) or title)
            sub(
                entry,
                "link",
                rel="alternate",
                type="text/html",
                hreflang=text.language,
                href=absolute_url("communiques.detail", slug=communique.slug, lang=text.language),
            )
            for goal in goals_of(communique.sdgs):
                with force_locale(text.language):
                    label = f"{goal.number}. {goal.name}"
                sub(entry, "category", term=f"sdg-{goal.number}", label=label)
            if text.published_summary:
                sub(entry, "summary", text.published_summary)
            sub(entry, "content", str(markup.published_html(text.published_body)), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
