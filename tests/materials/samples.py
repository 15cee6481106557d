"""Small files of each kind, made in memory: the real thing, and things dressed
up as it."""

import io
import zipfile

import pikepdf
from PIL import Image

from meeting_app.extensions import db
from meeting_app.materials import services
from meeting_app.materials.models import DocumentKind, Visibility


def pdf(text: str = "") -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    if text:
        document.docinfo["/Title"] = text  # makes each sample's bytes (and ETag) its own
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, "JPEG")
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for name, data in entries.items():
            package.writestr(name, data)
    return out.getvalue()


def ooxml(main: str = "word/document.xml", kind: str = "wordprocessingml.document") -> bytes:
    """A minimal Office Open XML package whose main part has `kind`'s content type."""
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main}" ContentType="application/'
        f'vnd.openxmlformats-officedocument.{kind}.main+xml"/></Types>'
    )
    return _zip({"[Content_Types].xml": types.encode(), main: b"<doc/>"})


def docx() -> bytes:
    return ooxml()


def xlsx() -> bytes:
    return ooxml("xl/workbook.xml", "spreadsheetml.sheet")


def pptx() -> bytes:
    return ooxml("ppt/presentation.xml", "presentationml.presentation")


def docm() -> bytes:
    """A Word file with macros: its own content type, not accepted."""
    types = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"><Override PartName="/word/document.xml" ContentType="application/'
        'vnd.ms-word.document.macroEnabled.main+xml"/></Types>'
    )
    return _zip({"[Content_Types].xml": types.encode(), "word/document.xml": b"<doc/>"})


def odf(mimetype: str = services.ODT) -> bytes:
    return _zip({"mimetype": mimetype.encode(), "content.xml": b"<office:document-content/>"})


def plain_zip() -> bytes:
    return _zip({"readme.txt": b"hello"})


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def add_document(
    meeting,
    title="Concept note",
    *,
    visibility=Visibility.PUBLIC,
    kind=DocumentKind.CONCEPT_NOTE,
    session=None,
    languages=("en",),
    data=None,
):
    """A document with a PDF in each of `languages` (titled in each), committed."""
    document = services.create_document(
        meeting,
        services.DocumentInput(
            title={lang: f"{title} ({lang})" for lang in languages},
            kind=kind,
            visibility=visibility,
            session_id=session.id if session is not None else None,
        ),
    )
    for lang in languages:
        services.add_file(
            document, meeting, lang, f"{title}.pdf", data or pdf(f"{title} {lang}"), "test"
        )
    db.session.commit()
    return document
