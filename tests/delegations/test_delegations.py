"""Delegations: the organisers' page, the public list and the head's private view."""

import pytest

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Delegation
from meeting_app.extensions import db
from meeting_app.registration import seats
from meeting_app.registration.models import Participant, ParticipantRole, RegistrationStatus

S = RegistrationStatus


@pytest.fixture
def organiser(client, make_user, login):
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")


@pytest.fixture
def senegal_meeting(open_meeting, make_participant):
    meeting = open_meeting(slug="board")
    senegal = next(d for d in meeting.delegations if d.country_code == "SN")
    listed = make_participant(
        meeting,
        given_name="Awa",
        family_name="Ndiaye",
        delegation=senegal,
        consent_public_list=True,
        status=S.APPROVED,
    )
    make_participant(
        meeting,
        given_name="Private",
        family_name="Person",
        delegation=senegal,
        consent_public_list=False,
        status=S.APPROVED,
    )
    make_participant(
        meeting,
        given_name="Not",
        family_name="Approved",
        delegation=senegal,
        consent_public_list=True,
        status=S.SUBMITTED,
    )
    seats.recount(meeting)
    db.session.commit()
    return meeting, senegal, listed


def test_public_list_shows_only_approved_people_who_agreed(client, senegal_meeting):
    html = client.get("/meetings/board/delegations", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "Sénégal" in html and "Maroc" in html
    assert "Awa" in html and "Ndiaye" in html
    assert "Private" not in html and "Approved" not in html


def test_public_list_follows_protocol_order_host_and_heads_first(client, senegal_meeting):
    meeting, senegal, awa = senegal_meeting
    meeting.host_country_code = "SN"
    for code in ("EC", "BD", "JM"):
        db.session.add(Delegation(meeting=meeting, country_code=code))
    head = Participant(
        meeting=meeting,
        delegation=senegal,
        given_name="Zeynab",
        family_name="Sow",
        badge_name="Zeynab Sow",
        email="head@example.org",
        category=awa.category,
        role=ParticipantRole.HEAD_OF_DELEGATION,
        consent_public_list=True,
        status=S.APPROVED,
    )
    db.session.add(head)
    db.session.flush()
    senegal.head = head
    db.session.commit()

    def order() -> str:
        html = client.get(
            "/meetings/board/delegations", headers={"Accept-Language": "fr"}
        ).get_data(as_text=True)
        names = ("Sénégal", "Bangladesh", "Équateur", "Jamaïque", "Maroc")
        return " < ".join(sorted(names, key=html.index)), html

    listed, html = order()
    # The host first, then the others in French collation; Sow (head) before Ndiaye.
    assert listed == "Sénégal < Bangladesh < Équateur < Jamaïque < Maroc"
    assert html.index("Sow") < html.index("Ndiaye")
    meeting.host_country_first = False
    db.session.commit()
    assert order()[0] == "Bangladesh < Équateur < Jamaïque < Maroc < Sénégal"


def test_organisers_see_counts_by_status_and_set_head_and_limit(client, organiser, senegal_meeting):
    _meeting, senegal, listed = senegal_meeting
    html = client.get(
        "/manage/meetings/board/delegations/", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Senegal" in html and "Morocco" in html
    prefix = f"d{senegal.id}-"
    response = client.post(
        f"/manage/meetings/board/delegations/{senegal.id}",
        data={prefix + "head_id": str(listed.id), prefix + "size_limit": "5"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert senegal.head_id == listed.id and senegal.size_limit == 5
    # Below the seats already held (two approved + one submitted): refused.
    client.post(
        f"/manage/meetings/board/delegations/{senegal.id}",
        data={prefix + "head_id": "", prefix + "size_limit": "2"},
    )
    db.session.expire_all()
    assert senegal.size_limit == 5


def test_head_must_belong_to_the_delegation(client, organiser, senegal_meeting, make_participant):
    meeting, senegal, _listed = senegal_meeting
    outsider = make_participant(meeting, given_name="Out", family_name="Sider")
    prefix = f"d{senegal.id}-"
    client.post(
        f"/manage/meetings/board/delegations/{senegal.id}",
        data={prefix + "head_id": str(outsider.id)},
    )
    db.session.expire_all()
    assert senegal.head_id is None


def test_organisers_add_a_delegation_once(client, organiser, senegal_meeting):
    meeting, _senegal, _listed = senegal_meeting
    client.post("/manage/meetings/board/delegations/add", data={"country_code": "KG"})
    client.post("/manage/meetings/board/delegations/add", data={"country_code": "KG"})
    client.post("/manage/meetings/board/delegations/add", data={"country_code": "XX"})
    db.session.expire_all()
    assert sorted(d.country_code for d in meeting.delegations) == ["KG", "MA", "SN"]


def test_old_head_of_delegation_link_opens_the_focal_point_page(client, senegal_meeting):
    """/d/<token> links given to heads before focal points existed keep working:
    they open the delegation's accreditation page (delegations/focal_views.py)."""
    _meeting, senegal, _listed = senegal_meeting
    response = client.get(f"/d/{senegal.view_token}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Delegation: Senegal" in html
    assert "Private" in html and "Submitted" in html  # the head sees every registration
    assert f'action="/d/{senegal.view_token}/nominate' in html or "/nominate" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get(f"/d/{senegal.view_token[:-2]}xx").status_code == 404


def test_new_head_link_revokes_the_old_one(client, organiser, senegal_meeting):
    _meeting, senegal, _listed = senegal_meeting
    old = senegal.view_token
    client.post(f"/manage/meetings/board/delegations/{senegal.id}/link")
    db.session.expire_all()
    assert client.get(f"/d/{old}").status_code == 404
    assert client.get(f"/d/{senegal.view_token}").status_code == 200


def test_delegation_exports(client, organiser, senegal_meeting):
    response = client.get(
        "/manage/meetings/board/delegations/export.csv", headers={"Accept-Language": "en"}
    )
    text = response.get_data().decode("utf-8-sig")
    assert "Senegal,SN" in text
    assert client.get("/manage/meetings/board/delegations/export.xlsx").status_code == 200
