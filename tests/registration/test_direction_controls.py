"""Names and organisations refuse the invisible characters that reorder text
(bidi embeddings, overrides and isolates), on every way in; real right-to-left
text (Arabic, Hebrew, with their direction marks) is welcome."""

import io

import pytest

from meeting_app.accounts.models import Role
from meeting_app.extensions import db
from meeting_app.registration.models import Participant
from tests.conftest import registration_data

MESSAGE = "Remove the invisible characters that change the direction of the text."
# U+202E (right-to-left override) makes "Diop\u202egnp.exe" show as "Diopexe.png".
CONTROLS = [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]
FIELDS = ["given_name", "family_name", "badge_name", "organisation"]


def _stored() -> list[Participant]:
    db.session.expire_all()
    return db.session.scalars(db.select(Participant)).all()


def _error_next_to(html: str, field: str) -> str:
    """The text between the field's label and the next field's."""
    return html.split(f'for="{field}"', 1)[1].split("<label", 1)[0]


@pytest.mark.parametrize(
    ("field", "control"),
    [*((field, "\u202e") for field in FIELDS), *(("family_name", c) for c in CONTROLS)],
    ids=lambda value: f"U+{ord(value):04X}" if len(value) == 1 else value,
)
def test_the_public_form_refuses_direction_controls_field_by_field(
    client, open_meeting, field, control
):
    """Bad input tried: a name or organisation carrying a bidi control, such as
    "Diop", U+202E, "gnp.exe", which reads "Diopexe.png" in every list."""
    meeting = open_meeting(slug="rtl")
    data = registration_data(meeting, **{field: f"Diop{control}gnp.exe"})
    response = client.post("/meetings/rtl/register", data=data, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert MESSAGE in _error_next_to(html, field)
    assert html.count(MESSAGE) == 1  # on that field only
    assert _stored() == []


def test_real_right_to_left_names_are_welcome(client, open_meeting):
    """The other side: Arabic and Hebrew, with the marks U+200F, U+200E and U+061C
    (which reorder nothing), are stored as typed."""
    meeting = open_meeting(slug="rtl")
    names = {
        "given_name": "محمد\u200f",
        "family_name": "בן\u200eדוד",
        "badge_name": "محمد بن\u061cعلي",
        "organisation": "وزارة الخارجية",
    }
    response = client.post("/meetings/rtl/register", data=registration_data(meeting, **names))
    assert response.status_code == 302
    (person,) = _stored()
    assert {field: getattr(person, field) for field in names} == names


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "org@example.org")
    login("org@example.org")


def test_the_organisers_form_and_the_desk_refuse_them_too(
    client, open_meeting, organiser, make_user, login
):
    """Bad input tried: the same override typed by the secretariat for someone, or
    at the desk for a walk-in (both forms inherit the registration form)."""
    meeting = open_meeting(slug="rtl")
    data = registration_data(meeting, family_name="Diop\u202e", role="delegate")
    data.pop("acknowledge_data_use")
    new = client.post(
        "/manage/meetings/rtl/registrations/new", data=data, headers={"Accept-Language": "en"}
    )
    assert new.status_code == 422 and MESSAGE in _error_next_to(
        new.get_data(as_text=True), "family_name"
    )
    make_user(Role.HOST, "door@example.org", meetings=[meeting])
    login("door@example.org")
    desk = client.post("/desk/meetings/rtl/walk-in", data=data, headers={"Accept-Language": "en"})
    assert desk.status_code == 422 and MESSAGE in desk.get_data(as_text=True)
    assert _stored() == []


def test_the_csv_import_refuses_them_per_row_and_field(client, open_meeting, organiser):
    """Bad input tried: an organisation carrying U+2067 (right-to-left isolate) in
    one row of a CSV file; the other row is good."""
    open_meeting(slug="rtl")
    content = (
        "given_name,family_name,email,organisation,category\r\n"
        "Awa,Ndiaye,awa@example.org,Ville de Dakar,local_government\r\n"
        "Karim,Benali,karim@example.org,\u2067Ministère\u2069,national_government\r\n"
    )
    response = client.post(
        "/manage/meetings/rtl/registrations/import",
        data={"file": (io.BytesIO(content.encode()), "people.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert f"Organisation: {MESSAGE}" in html
    assert html.count(MESSAGE) == 1
    assert _stored() == []
