"""A document is judged by its content: what is accepted, what is refused, and
the names files are sent under."""

import pytest

from meeting_app.files import services as files
from meeting_app.materials import services
from tests.materials import samples


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (samples.pdf(), files.PDF),
        (samples.png(), files.PNG),
        (samples.jpeg(), files.JPEG),
        (samples.docx(), services.DOCX),
        (samples.xlsx(), services.XLSX),
        (samples.pptx(), services.PPTX),
        (samples.odf(services.ODT), services.ODT),
        (samples.odf(services.ODS), services.ODS),
        (samples.odf(services.ODP), services.ODP),
    ],
)
def test_each_allowed_type_is_recognised_by_its_content(app_context, data, expected):
    assert services.check(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        samples.EXE,
        samples.HTML,
        samples.plain_zip(),  # an ordinary ZIP, whatever its name says
        samples.docm(),  # Word with macros
        samples.odf("application/vnd.oasis.opendocument.graphics"),
        b"PK\x03\x04 not really a zip",
        b"",
    ],
    ids=["exe", "html", "zip", "docm", "odg", "broken-zip", "empty"],
)
def test_types_not_allowed_are_refused(app_context, data):
    with pytest.raises(files.FileRefused) as refused:
        services.check(data)
    assert refused.value.code == "type"


def test_a_file_that_starts_like_a_pdf_but_is_not_one_is_refused(app_context):
    with pytest.raises(files.FileRefused) as refused:
        services.check(b"%PDF-1.7\n<html><script>alert(1)</script></html>")
    assert refused.value.code == "not_pdf"


def test_a_file_over_the_limit_is_refused_before_being_looked_at(app_context):
    with pytest.raises(files.FileRefused) as refused:
        services.check(samples.pdf(), limit=100)
    assert refused.value.code == "too_large"


def test_content_types_with_a_dtd_are_refused(app_context):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
    )
    data = samples._zip({"[Content_Types].xml": bomb, "word/document.xml": b"<doc/>"})
    assert services.sniff(data) is None


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("Note conceptuelle.docx", services.DOCX, "Note conceptuelle.docx"),
        ("report.pdf", services.DOCX, "report.docx"),
        ("../../etc/passwd", services.ODT, "passwd.odt"),
        ("slides.PPTX", services.PPTX, "slides.pptx"),
        ("", services.XLSX, "document.xlsx"),
        ("photo.exe", files.PNG, "photo.exe.png"),
        ("fdp\u202e.exe.docx", services.DOCX, "fdp .exe.docx"),
    ],
)
def test_file_names_are_cleaned_and_end_in_what_the_file_is(name, content_type, expected):
    assert services.clean_filename(name, content_type) == expected
