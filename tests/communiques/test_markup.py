"""Markdown becomes sanitised HTML: what authors may use stays, what could run or
restyle the page goes, and the words around it are kept."""

import pytest

from meeting_app.communiques import markup


def test_headings_emphasis_lists_quotes_and_links_are_kept():
    html = markup.to_html(
        "## Outcomes\n\nThe Board **agreed** on *three* points:\n\n"
        "- cities\n- diaspora\n\n1. first\n2. second\n\n"
        "> Development is built locally.\n\n"
        "[Programme site](https://example.org/programme)"
    )
    assert "<h2>Outcomes</h2>" in html
    assert "<strong>agreed</strong>" in html and "<em>three</em>" in html
    assert "<ul>" in html and "<li>cities</li>" in html and "<ol>" in html
    assert "<blockquote>" in html and "Development is built locally." in html
    assert '<a href="https://example.org/programme" rel="noopener noreferrer">' in html


@pytest.mark.parametrize(
    ("markdown", "gone", "kept"),
    [
        ("Before <script>alert('x')</script> after", ["<script", "alert"], ["Before", "after"]),
        # Markdown refuses to make this a link: it stays as inert text.
        ("[click](javascript:alert(1)) here", ["<a", "href"], ["click", "here"]),
        ("<a href='javascript:alert(1)'>click</a>", ["javascript:", "href"], ["click"]),
        ('<a href="JaVaScRiPt:alert(1)">x</a> y', ["avascript", "href"], ["x", "y"]),
        (
            'Watch <iframe src="https://evil.example/"></iframe> this',
            ["<iframe", "evil"],
            ["Watch", "this"],
        ),
        ('<p style="color:red">Red words</p>', ["style", "color:red"], ["Red words"]),
        (
            '<p onclick="steal()">Click me</p> <img src=x onerror="steal()">',
            ["onclick", "onerror", "<img", "steal"],
            ["Click me"],
        ),
        ("<style>body{display:none}</style>Visible", ["<style", "display:none"], ["Visible"]),
        (
            '<a href="https://ok.example" target="_blank" onmouseover="x()">ok</a>',
            ["onmouseover", "target"],
            ['href="https://ok.example"', "noopener"],
        ),
        ("<object data=x></object><embed src=y>Text", ["<object", "<embed"], ["Text"]),
    ],
)
def test_dangerous_markup_is_removed_and_the_rest_kept(markdown, gone, kept):
    html = markup.to_html(markdown)
    for bad in gone:
        assert bad not in html, (bad, html)
    for good in kept:
        assert good in html, (good, html)


def test_unknown_placeholders_are_listed_once_and_known_ones_not():
    text = "{{participants}} experts, {{ countries }} and {{particpants}} {{particpants}} {{Venue}}"
    assert markup.unknown_placeholders(text) == ["particpants", "Venue"]


def test_fill_replaces_known_placeholders_once_and_escapes_markdown():
    values = {"venue": "Centre *Mohammed VI* [link](javascript:x)", "host": "{{participants}}"}
    filled = markup.fill("At {{venue}}, hosted by {{ host }}; {{nope}}.", values)
    html = markup.to_html(filled)
    # Shown as typed, not turned into emphasis or a link, and not substituted twice.
    assert "Centre *Mohammed VI* [link](javascript:x)" in html
    assert "<em>" not in html and "<a " not in html
    assert "hosted by {{participants}}" in html and "{{nope}}" in html


def test_preview_marks_unknown_placeholders_even_inside_a_link_title():
    html = markup.mark_unknown(
        markup.to_html('See [here](https://example.org "{{oops}}") and {{oops}}.')
    )
    assert '<mark class="unknown-placeholder">{{oops}}</mark>' in html
    assert "<script" not in html and 'title="' in html
