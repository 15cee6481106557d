"""The results page (each question as an SVG bar chart drawn on the server, with
counts and shares as text too; texts listed; numbers summed up) and the raw
answers as CSV and XLSX: no names for an anonymous survey, formulas escaped,
hostile text escaped everywhere."""

import csv
import html
import io

import pytest
from lxml import etree
from openpyxl import load_workbook

from meeting_app.extensions import db
from meeting_app.surveys import services
from meeting_app.surveys.charts import Bar, bar_chart
from meeting_app.surveys.services import OptionInput, QuestionInput
from tests.surveys.conftest import choice, rating, text

EN = {"Accept-Language": "en"}
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & <b>bold</b>'


def url(meeting, path):
    return f"/manage/meetings/{meeting.slug}/survey{path}"


@pytest.fixture
def answered(meeting, make_survey, make_attendee):
    """Five people answered a rating, a choice, a text and a number."""

    def factory(anonymous=True):
        survey = make_survey(
            meeting,
            rating(),
            choice(),
            text(),
            QuestionInput(type="number", label={"en": "Hours"}),
            anonymous=anonymous,
        )
        rate, best, anything, hours = survey.questions
        given = [
            (5, "o1", "Great", 10),
            (5, "o1", '=HYPERLINK("http://evil")', 2),
            (4, "o2", None, 6),
            (5, "o1", HOSTILE, None),
            (2, None, None, 3.5),
        ]
        for n, (r, b, t, h) in enumerate(given):
            person = make_attendee(meeting, given_name=f"Zoé{n}", family_name="Ndiaye")
            services.submit(survey, person, {rate.id: r, best.id: b, anything.id: t, hours.id: h})
        db.session.commit()
        return survey

    return factory


def svgs(page: str) -> list:
    """Every chart of the page, parsed as XML (which fails on unescaped text)."""
    found = []
    for chunk in page.split("<svg")[1:]:
        found.append(etree.fromstring("<svg" + chunk.split("</svg>")[0] + "</svg>"))
    return found


def texts(svg) -> list[str]:
    return ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]


def test_the_results_page_draws_each_question(client, meeting, organiser, answered):
    answered()
    response = client.get(url(meeting, "/results"), headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    shown = html.unescape(body)
    assert "5 responses" in shown

    rating_chart, choice_chart = svgs(body)
    assert rating_chart.get("role") == "img"
    assert rating_chart.get("aria-label") == "How was the meeting?"
    assert rating_chart.find(f"{SVG}title").text == "How was the meeting?"
    description = rating_chart.find(f"{SVG}desc").text
    assert "5 – Excellent: 3 (60%)" in description and "1 – Very poor: 0 (0%)" in description
    assert texts(rating_chart) == [
        "1 – Very poor", "0 (0%)",
        "2 – Poor", "1 (20%)",
        "3 – Fair", "0 (0%)",
        "4 – Good", "1 (20%)",
        "5 – Excellent", "3 (60%)",
    ]  # fmt: skip
    # Shares are of those who answered the question (4 of 5 chose a session).
    assert texts(choice_chart) == ["Panel", "3 (75%)", "Workshop", "1 (25%)"]
    assert "Average rating: 4.2 of 5" in shown
    # The same figures as a table, for reading and printing without the drawing.
    assert "<td>3</td><td>75%</td>" in body
    # Texts listed, numbers summed up.
    assert "Great" in shown and "4 answers" in shown
    assert "<dt>Mean</dt><dd>5.38</dd>" in body
    assert "<dt>Smallest</dt><dd>2</dd>" in body and "<dt>Largest</dt><dd>10</dd>" in body


def test_hostile_labels_and_answers_are_escaped(
    client, meeting, organiser, make_survey, make_attendee
):
    survey = make_survey(
        meeting,
        QuestionInput(
            type="choice",
            label={"en": HOSTILE},
            options=[OptionInput(label={"en": "</text><script>alert(1)</script>"})],
        ),
        text(HOSTILE),
    )
    first, second = survey.questions
    services.submit(survey, make_attendee(meeting), {first.id: "o1", second.id: HOSTILE})
    db.session.commit()
    body = client.get(url(meeting, "/results"), headers=EN).get_data(as_text=True)
    assert "<script>" not in body and "<b>" not in body
    (chart,) = svgs(body)
    assert chart.find(f"{SVG}title").text == HOSTILE
    assert chart.get("aria-label") == HOSTILE
    assert texts(chart)[0] == "</text><script>alert(1)</script>"


def test_bar_chart_escapes_and_cuts_long_labels():
    svg = bar_chart('A "quoted" & <tagged> title', [Bar("x" * 60, 2, 1.0), Bar("<i>", 0, 0)], "c1")
    parsed = etree.fromstring(str(svg))
    assert parsed.get("aria-label") == 'A "quoted" & <tagged> title'
    assert texts(parsed) == ["x" * 33 + "…", "2 (100%)", "<i>", "0 (0%)"]
    # The whole label stays in the row's title.
    assert parsed.find(f"{SVG}g/{SVG}title").text == "x" * 60 + ": 2 (100%)"


def test_an_anonymous_export_names_nobody(client, meeting, organiser, answered):
    answered(anonymous=True)
    response = client.get(url(meeting, "/answers.csv"), headers=EN)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="rabat-survey.csv"'
    content = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == [
        "Answered on",
        "How was the meeting?",
        "Best session?",
        "Anything else?",
        "Hours",
    ]
    assert len(rows) == 6
    assert "Zoé" not in content and "Ndiaye" not in content and "@example.org" not in content
    # A formula stays text.
    assert '\'=HYPERLINK("http://evil")' in [row[3] for row in rows]
    assert sorted(row[2] for row in rows[1:]) == ["", "Panel", "Panel", "Panel", "Workshop"]

    response = client.get(url(meeting, "/answers.xlsx"), headers=EN)
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][1:] == ["How was the meeting?", "Best session?", "Anything else?", "Hours"]
    assert len(values) == 6
    assert not any("Zoé" in str(cell) for row in values for cell in row)
    formula = next(c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value))
    assert formula.data_type == "s"
    assert sorted(r[1] for r in values[1:]) == [2, 4, 5, 5, 5]


def test_a_named_export_says_who_answered_what(client, meeting, organiser, answered):
    answered(anonymous=False)
    content = client.get(url(meeting, "/answers.csv"), headers=EN).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["Name", "E-mail", "Answered on"]
    assert rows[1][0].startswith("Zoé0") and rows[1][3] == "5"


def test_an_anonymous_survey_never_stores_who_answered_with_the_answers(meeting, answered):
    survey = answered(anonymous=True)
    stored = db.session.scalars(db.select(services.SurveyResponse)).all()
    assert len(stored) == 5 and all(r.participant_id is None for r in stored)
    assert services.response_count(survey) == 5
