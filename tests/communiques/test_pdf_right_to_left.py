"""A communiqué's PDF in Arabic (issue 22): its text in an Arabic font, laid out
right to left on the programme's letterhead, whoever downloads it; read back with
poppler as a reader would see it."""

from datetime import UTC, datetime

from tests.documents import poppler


def test_an_arabic_communique_pdf_reads_right_to_left(client, make_meeting, make_communique):
    meeting = make_meeting(slug="rabat", languages=["fr", "en", "ar"])
    communique = make_communique(
        meeting,
        language="ar",
        title="بيان الرباط",
        summary="اجتمع مجلس البرنامج في الرباط مع برنامج UNDP.",
        body="## القرارات\n\nاعتمد **المجلس** خطة العمل لعام 2023.\n\n"
        "- البند الأول\n- البند الثاني",
        sdgs=(10, 17),
        published_at=datetime(2022, 6, 15, 10, tzinfo=UTC),
    )
    # From an English browser: the PDF is laid out in its own language, not the reader's.
    response = client.get(
        f"/communiques/{communique.slug}.pdf?lang=ar", headers={"Accept-Language": "en"}
    )
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()

    text = poppler.text(pdf)
    for words in ("بيان الرباط", "اعتمد المجلس خطة العمل", "البند الثاني", "UNDP", "2023"):
        assert words in text
    assert "يونيو" in text and "June" not in text  # 15 June 2022, as Babel writes it in Arabic
    assert {"Noto-Naskh-Arabic", "Noto-Naskh-Arabic-Bold"} <= set(poppler.fonts(pdf))

    width, lines, words = poppler.layout(pdf)
    title = next(line for line in lines if "الرباط" in line.text and "بيان" in line.text)
    assert title.left > width / 2  # starts at the right, as Arabic does
    # The letterhead mirrors: the programme at the right, "Communiqué" at the left.
    assert poppler.word(words, "البلاغ").right < width / 2
