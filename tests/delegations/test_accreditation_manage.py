"""Accreditation, the secretariat's side: focal points added, sent their link, given
a new one and revoked; quotas per category; the overview of every delegation's
credentials and nominations; decisions on nominations in bulk; the reminder of a
missing credentials letter; a substitution after registration closes; and the
meeting's two accreditation settings."""

import io
import re
from datetime import UTC, datetime, timedelta

import pikepdf
import pytest

from meeting_app.accounts.models import Role
from meeting_app.delegations.models import Credential, Delegation, DelegationQuota, FocalPoint
from meeting_app.extensions import db
from meeting_app.meetings.models import Meeting
from meeting_app.privacy.models import AuditEntry
from meeting_app.registration import seats
from meeting_app.registration.models import Category, Participant, RegistrationStatus
from tests.conftest import registration_data

S = RegistrationStatus
EN = {"Accept-Language": "en"}
BASE = "/manage/meetings/board"


@pytest.fixture
def organiser(client, make_user, login):
    user = make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")
    return user


@pytest.fixture
def board(open_meeting):
    """Registration open; Senegal and Morocco; French and English."""
    return open_meeting(slug="board", languages=["fr", "en"], default_language="en")


def _delegation(meeting: Meeting, code: str) -> Delegation:
    return next(d for d in meeting.delegations if d.country_code == code)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert match, f"no error shown by {field}"
    return match.group(1)


def _audit(action: str) -> list[AuditEntry]:
    return list(
        db.session.execute(
            db.select(AuditEntry).filter_by(action=action).order_by(AuditEntry.id)
        ).scalars()
    )


def _focal_point(delegation: Delegation, **values) -> FocalPoint:
    values = {
        "name": "Fatou Sow",
        "email": "fatou.sow@example.org",
        "organisation": "Mission permanente du Sénégal",
        "languages": ["fr"],
        **values,
    }
    focal_point = FocalPoint(delegation=delegation, **values)
    db.session.add(focal_point)
    db.session.commit()
    return focal_point


def pdf_bytes() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


# --- Focal points ------------------------------------------------------------------------


def test_organiser_adds_a_focal_point_and_sends_their_link_in_their_language(
    client, organiser, board, inbox
):
    senegal = _delegation(board, "SN")
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/focal-points",
        data={
            "name": "Fatou Sow",
            "email": " Fatou.Sow@Example.org ",
            "organisation": "Mission permanente du Sénégal",
            "languages": ["fr", "en"],
        },
        headers=EN,
    )
    assert response.status_code == 302
    (focal_point,) = senegal.focal_points
    assert focal_point.email == "fatou.sow@example.org"
    assert focal_point.languages == ["fr", "en"]
    assert focal_point.link_sent_at is None
    page = _html(client.get(f"{BASE}/delegations/{senegal.id}", headers=EN))
    assert "Fatou Sow" in page and "Not sent yet" in page

    sent = client.post(
        f"{BASE}/delegations/{senegal.id}/focal-points/{focal_point.id}/send", headers=EN
    )
    assert sent.status_code == 302
    db.session.expire_all()
    assert focal_point.link_sent_at is not None
    (message,) = inbox.to("fatou.sow@example.org")
    body = inbox.body(message)
    assert f"/d/{focal_point.token}" in body
    assert "Sénégal" in body  # in French, the first language they read
    page = _html(client.get(f"{BASE}/delegations/{senegal.id}", headers=EN))
    assert "Sent on" in page and "Send the link again" in page
    assert [e.details for e in _audit("focal_point.added")] == [f"SN focal point {focal_point.id}"]
    assert len(_audit("focal_point.link_sent")) == 1


def test_a_second_focal_point_with_the_same_address_is_a_field_error(client, organiser, board):
    senegal = _delegation(board, "SN")
    _focal_point(senegal)
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/focal-points",
        data={"name": "Awa Diallo", "email": "FATOU.SOW@example.org", "languages": ["fr"]},
        headers=EN,
    )
    assert response.status_code == 422
    html = _html(response)
    assert "already has a focal point with this address" in _field_error(html, "email")
    assert 'value="Awa Diallo"' in html  # what was typed stays
    db.session.expire_all()
    assert len(senegal.focal_points) == 1
    # Another delegation may name the same person.
    morocco = _delegation(board, "MA")
    again = client.post(
        f"{BASE}/delegations/{morocco.id}/focal-points",
        data={"name": "Fatou Sow", "email": "fatou.sow@example.org", "languages": ["fr"]},
    )
    assert again.status_code == 302


@pytest.mark.parametrize("languages", [["es"], ["de"], ["fr", "xx"]])
def test_a_language_the_meeting_does_not_have_is_refused(client, organiser, board, languages):
    senegal = _delegation(board, "SN")
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/focal-points",
        data={"name": "Fatou Sow", "email": "fatou.sow@example.org", "languages": languages},
        headers=EN,
    )
    assert response.status_code == 422
    assert _field_error(_html(response), "languages")
    assert db.session.scalar(db.select(db.func.count(FocalPoint.id))) == 0


def test_missing_name_and_bad_address_are_shown_by_their_fields(client, organiser, board):
    senegal = _delegation(board, "SN")
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/focal-points",
        data={"name": "", "email": "not-an-address", "organisation": "Ministère"},
        headers=EN,
    )
    assert response.status_code == 422
    html = _html(response)
    assert "name" in _field_error(html, "name")
    assert "valid e-mail" in _field_error(html, "email")
    assert 'value="Ministère"' in html


def test_editing_a_focal_point_saves_and_refuses_another_ones_address(client, organiser, board):
    senegal = _delegation(board, "SN")
    fatou = _focal_point(senegal)
    _focal_point(senegal, name="Awa Diallo", email="awa@example.org")
    url = f"{BASE}/delegations/{senegal.id}/focal-points/{fatou.id}"
    page = _html(client.get(url, headers=EN))
    assert 'value="fatou.sow@example.org"' in page
    taken = client.post(url, data={"name": "Fatou Sow", "email": "awa@example.org"}, headers=EN)
    assert taken.status_code == 422
    assert "already has a focal point" in _field_error(_html(taken), "email")
    saved = client.post(
        url,
        data={"name": "Fatou Sow Ndiaye", "email": "fatou@example.org", "languages": ["en"]},
        headers=EN,
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert (fatou.name, fatou.email, fatou.languages) == (
        "Fatou Sow Ndiaye",
        "fatou@example.org",
        ["en"],
    )
    (entry,) = _audit("focal_point.edited")
    assert entry.details.endswith("name, email, organisation, languages")
    assert "fatou@example.org" not in entry.details


def test_a_new_link_ends_the_old_one_and_a_revoked_link_is_restored_by_a_new_one(
    client, organiser, board, inbox
):
    senegal = _delegation(board, "SN")
    focal_point = _focal_point(senegal)
    old = focal_point.token
    assert client.get(f"/d/{old}").status_code == 200
    actions = f"{BASE}/delegations/{senegal.id}/focal-points/{focal_point.id}"
    assert client.post(f"{actions}/new-link").status_code == 302
    db.session.expire_all()
    assert focal_point.token != old
    assert client.get(f"/d/{old}").status_code == 404
    assert client.get(f"/d/{focal_point.token}").status_code == 200

    assert client.post(f"{actions}/revoke").status_code == 302
    db.session.expire_all()
    assert focal_point.revoked_at is not None
    assert client.get(f"/d/{focal_point.token}").status_code == 404
    page = _html(client.get(f"{BASE}/delegations/{senegal.id}", headers=EN))
    assert "Revoked on" in page and "Restore with a new link" in page
    # A revoked link is not sent.
    refused = client.post(f"{actions}/send", headers=EN, follow_redirects=True)
    assert "revoked" in _html(refused)
    assert inbox.to(focal_point.email) == []

    assert client.post(f"{actions}/new-link").status_code == 302
    db.session.expire_all()
    assert focal_point.revoked_at is None
    assert client.get(f"/d/{focal_point.token}").status_code == 200
    assert len(_audit("focal_point.revoked")) == 1
    assert len(_audit("focal_point.new_link")) == 2


# --- Quotas ------------------------------------------------------------------------------


def test_quotas_are_saved_counted_from_the_members_and_removed_when_left_empty(
    client, organiser, board, make_participant
):
    senegal = _delegation(board, "SN")
    make_participant(board, delegation=senegal, category=Category.NATIONAL_GOVERNMENT)
    make_participant(board, delegation=senegal, category=Category.CIVIL_SOCIETY)
    seats.recount(board)
    db.session.commit()
    url = f"{BASE}/delegations/{senegal.id}/quotas"
    response = client.post(
        url, data={"quota_national_government": "2", "quota_civil_society": "1"}, headers=EN
    )
    assert response.status_code == 302
    db.session.expire_all()
    quotas = {q.category: (q.size_limit, q.seats_taken) for q in senegal.quotas}
    assert quotas == {Category.NATIONAL_GOVERNMENT: (2, 1), Category.CIVIL_SOCIETY: (1, 1)}
    (entry,) = _audit("delegation.quotas")
    assert entry.details == "SN national_government, civil_society"
    page = _html(client.get(f"{BASE}/delegations/{senegal.id}", headers=EN))
    assert 'id="quota_national_government"' in page and 'value="2"' in page

    assert client.post(url, data={"quota_national_government": "2"}).status_code == 302
    db.session.expire_all()
    assert [q.category for q in senegal.quotas] == [Category.NATIONAL_GOVERNMENT]


def test_a_quota_below_the_seats_its_category_holds_is_refused_with_the_count(
    client, organiser, board, make_participant
):
    senegal = _delegation(board, "SN")
    for _ in range(2):
        make_participant(board, delegation=senegal, category=Category.NATIONAL_GOVERNMENT)
    make_participant(board, delegation=senegal, category=Category.CIVIL_SOCIETY)
    seats.recount(board)
    db.session.commit()
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/quotas",
        data={"quota_national_government": "1", "quota_civil_society": "0", "quota_donor": "3"},
        headers=EN,
    )
    assert response.status_code == 422
    html = _html(response)
    assert "2 seats of this category are already held" in _field_error(
        html, "quota_national_government"
    )
    assert "1 seat of this category is already held" in _field_error(html, "quota_civil_society")
    assert 'value="3"' in html  # what was typed stays
    db.session.expire_all()
    assert senegal.quotas == []


@pytest.mark.parametrize("value", ["-1", "two", "10001"])
def test_a_quota_that_is_no_number_of_seats_is_refused(client, organiser, board, value):
    senegal = _delegation(board, "SN")
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/quotas",
        data={"quota_local_government": value},
        headers=EN,
    )
    assert response.status_code == 422
    assert _field_error(_html(response), "quota_local_government")


# --- The overview ------------------------------------------------------------------------


@pytest.fixture
def nominations(board, make_participant):
    """Senegal: a focal point and three nominees waiting; Morocco: a credentials
    letter and one approved member; Ecuador, Jamaica and Bangladesh: nothing."""
    for code in ("EC", "JM", "BD"):
        db.session.add(Delegation(meeting=board, country_code=code, size_limit=4))
    senegal = _delegation(board, "SN")
    senegal.size_limit = 5
    focal_point = _focal_point(senegal)
    people = [
        make_participant(
            board,
            delegation=senegal,
            nominated_by=focal_point,
            status=S.SUBMITTED,
            given_name=name,
            family_name="Ndiaye",
            email=f"{name.lower()}@example.org",
            preferred_language="fr",
        )
        for name in ("Awa", "Moussa", "Khady")
    ]
    morocco = _delegation(board, "MA")
    make_participant(board, delegation=morocco, status=S.APPROVED)
    db.session.add(
        Credential(
            delegation=morocco,
            dated=datetime(2026, 1, 5).date(),
            reference="NV/2026/017",
            filename="note-verbale.pdf",
            size=4,
            sha256="0" * 64,
            content=pdf_bytes(),
            uploaded_by="Mission du Maroc",
        )
    )
    seats.recount(board)
    db.session.commit()
    return senegal, focal_point, people


def test_the_overview_lists_delegations_in_the_readers_order_with_their_accreditation(
    client, organiser, board, nominations
):
    html = _html(client.get(f"{BASE}/accreditation", headers={"Accept-Language": "fr"}))
    names = ["Bangladesh", "Équateur", "Jamaïque", "Maroc", "Sénégal"]
    positions = [html.index(f">{name}</a>") for name in names]
    assert positions == sorted(positions)
    senegal_row = html[html.index(">Sénégal</a>") :].split("</tr>")[0]
    assert "1 point focal" in senegal_row or "1 focal point" in senegal_row
    assert "/accreditation/nominations?delegation=" in senegal_row
    morocco_row = html[html.index(">Maroc</a>") :].split("</tr>")[0]
    assert "NV/2026/017" in morocco_row and "1 / ∞" in morocco_row

    missing = _html(client.get(f"{BASE}/accreditation?credentials=missing", headers=EN))
    assert ">Senegal</a>" in missing and ">Morocco</a>" not in missing
    waiting = _html(client.get(f"{BASE}/accreditation?nominations=waiting", headers=EN))
    assert ">Senegal</a>" in waiting and ">Ecuador</a>" not in waiting
    assert "3 nominations to approve" in waiting


def test_the_meeting_and_delegations_pages_link_the_overview(client, organiser, board):
    for path in ("/", "/delegations/"):
        assert f"{BASE}/accreditation" in _html(client.get(BASE + path, headers=EN))


# --- Credentials letters -----------------------------------------------------------------


def test_the_secretariat_files_a_letter_received_by_pouch_and_downloads_it(
    client, organiser, board
):
    senegal = _delegation(board, "SN")
    content = pdf_bytes()
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/credentials",
        data={
            "file": (io.BytesIO(content), "Note verbale.pdf"),
            "dated": "2026-01-10",
            "reference": "NV/SN/42",
        },
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 302
    db.session.expire_all()
    letter = senegal.credential
    assert letter.reference == "NV/SN/42" and letter.uploaded_by == "secretariat@example.org"
    download = client.get(f"{BASE}/delegations/{senegal.id}/credentials/{letter.id}.pdf")
    assert download.status_code == 200 and download.data == content
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert len(_audit("credentials.uploaded")) == 1
    assert len(_audit("credentials.downloaded")) == 1
    page = _html(client.get(f"{BASE}/delegations/{senegal.id}", headers=EN))
    assert "NV/SN/42" in page and "Missing." not in page


def test_a_letter_that_is_not_a_pdf_is_refused_by_its_field(client, organiser, board):
    senegal = _delegation(board, "SN")
    response = client.post(
        f"{BASE}/delegations/{senegal.id}/credentials",
        data={"file": (io.BytesIO(b"<html>hello</html>"), "letter.pdf"), "reference": "NV/1"},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert response.status_code == 422
    assert _field_error(_html(response), "file")
    assert 'value="NV/1"' in _html(response)
    db.session.expire_all()
    assert senegal.credentials == []
    nothing = client.post(
        f"{BASE}/delegations/{senegal.id}/credentials",
        data={"reference": "NV/1"},
        content_type="multipart/form-data",
        headers=EN,
    )
    assert nothing.status_code == 422 and _field_error(_html(nothing), "file")


def test_a_letter_of_another_delegation_is_not_found(client, organiser, board, nominations):
    morocco, senegal = _delegation(board, "MA"), _delegation(board, "SN")
    letter = morocco.credential
    assert (
        client.get(f"{BASE}/delegations/{senegal.id}/credentials/{letter.id}.pdf").status_code
        == 404
    )
    assert (
        client.get(f"{BASE}/delegations/{morocco.id}/credentials/{letter.id}.pdf").status_code
        == 200
    )


# --- Decisions in bulk -------------------------------------------------------------------


def test_nominations_are_approved_in_bulk_and_nominees_and_focal_point_are_told(
    client, organiser, board, nominations, inbox
):
    senegal, focal_point, (awa, moussa, khady) = nominations
    page = _html(client.get(f"{BASE}/accreditation/nominations", headers=EN))
    assert all(p.full_name in page for p in (awa, moussa, khady))
    assert "checked" not in page.split("<tbody>")[1].split("</tbody>")[0]
    every = _html(client.get(f"{BASE}/accreditation/nominations?select=all", headers=EN))
    assert every.count(" checked") == 3
    response = client.post(
        f"{BASE}/accreditation/nominations",
        data={"ids": [awa.id, moussa.id], "action": "approve", "reason": "Bienvenue."},
        headers=EN,
        follow_redirects=True,
    )
    assert "2 nominations decided" in _html(response)
    db.session.expire_all()
    assert (awa.status, moussa.status, khady.status) == (S.APPROVED, S.APPROVED, S.SUBMITTED)
    for person in (awa, moussa):
        (mail,) = inbox.to(person.email)
        assert f"/r/{person.token}" in inbox.body(mail)
    told = inbox.to(focal_point.email)
    assert len(told) == 2
    assert any("Awa Ndiaye" in inbox.body(m) and "Bienvenue." in inbox.body(m) for m in told)
    assert awa.changes[-1].by_user.email == "secretariat@example.org"


def test_declining_in_bulk_counts_those_decided_meanwhile_as_not_changed(
    client, organiser, board, nominations, inbox
):
    senegal, focal_point, (awa, moussa, khady) = nominations
    khady.status = S.APPROVED  # another organiser was quicker
    db.session.commit()
    response = client.post(
        f"{BASE}/accreditation/nominations?delegation={senegal.id}",
        data={"ids": [awa.id, khady.id], "action": "decline"},
        headers=EN,
        follow_redirects=True,
    )
    html = _html(response)
    assert "1 nomination decided" in html
    assert "1 could not be changed" in html
    db.session.expire_all()
    assert (awa.status, khady.status) == (S.DECLINED, S.APPROVED)
    assert len(inbox.to(focal_point.email)) == 1


def test_a_bulk_decision_with_nothing_selected_or_no_decision_is_refused(
    client, organiser, board, nominations
):
    senegal, focal_point, (awa, *_rest) = nominations
    none = client.post(f"{BASE}/accreditation/nominations", data={"action": "approve"}, headers=EN)
    assert none.status_code == 422
    assert "Select at least one nomination." in _field_error(_html(none), "ids")
    no_action = client.post(f"{BASE}/accreditation/nominations", data={"ids": [awa.id]}, headers=EN)
    assert no_action.status_code == 422
    assert _field_error(_html(no_action), "action")
    assert f'value="{awa.id}" id="select-{awa.id}" checked' in _html(no_action)
    garbage = client.post(
        f"{BASE}/accreditation/nominations", data={"ids": ["x"], "action": "approve"}
    )
    assert garbage.status_code == 422
    db.session.expire_all()
    assert awa.status is S.SUBMITTED


def test_a_participant_of_another_meeting_in_a_bulk_decision_is_not_found(
    client, organiser, board, nominations, open_meeting, make_participant
):
    senegal, focal_point, (awa, *_rest) = nominations
    other = open_meeting(slug="other")
    stranger = make_participant(other, status=S.SUBMITTED)
    response = client.post(
        f"{BASE}/accreditation/nominations",
        data={"ids": [awa.id, stranger.id], "action": "decline"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert (awa.status, stranger.status) == (S.SUBMITTED, S.SUBMITTED)
    huge = client.post(
        f"{BASE}/accreditation/nominations", data={"ids": [2**40], "action": "decline"}
    )
    assert huge.status_code == 404
    assert (
        client.get(
            f"{BASE}/accreditation/nominations?delegation={other.delegations[0].id}"
        ).status_code
        == 404
    )


# --- The reminder ------------------------------------------------------------------------


def test_focal_points_of_delegations_without_a_letter_are_reminded_after_a_count(
    client, organiser, board, nominations, inbox
):
    senegal, fatou, _people = nominations
    awa = _focal_point(senegal, name="Awa Diallo", email="awa@example.org")
    _focal_point(senegal, name="Gone", email="gone@example.org", revoked_at=datetime.now(UTC))
    _focal_point(_delegation(board, "MA"), name="Karim", email="karim@example.org")  # has a letter
    page = _html(client.get(f"{BASE}/accreditation/remind", headers=EN))
    assert "2 focal points will receive the reminder" in page
    assert "(1 delegation without its credentials letter)" in page
    assert "Send 2 reminders" in page
    response = client.post(f"{BASE}/accreditation/remind", headers=EN, follow_redirects=True)
    assert "2 reminders are on their way." in _html(response)
    assert len(inbox.to(fatou.email)) == 1 and len(inbox.to(awa.email)) == 1
    assert inbox.to("gone@example.org") == [] and inbox.to("karim@example.org") == []
    (entry,) = _audit("focal_points.reminded")
    assert entry.details == "2 mails"


# --- Substitution ------------------------------------------------------------------------


def test_the_secretariat_replaces_a_member_after_registration_closes(
    client, organiser, board, nominations, inbox
):
    senegal, focal_point, (awa, moussa, khady) = nominations
    awa.status = S.APPROVED
    board.registration_closes_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    url = f"{BASE}/delegations/{senegal.id}/members/{awa.id}/substitute"
    page = _html(client.get(url, headers=EN))
    assert "Replace Awa Ndiaye" in page
    data = registration_data(
        board,
        country="SN",
        given_name="Ousmane",
        family_name="Sarr",
        email="ousmane@example.org",
        role="delegate",
    )
    response = client.post(url, data=data, headers=EN)
    assert response.status_code == 302, _html(response)
    db.session.expire_all()
    newcomer = db.session.execute(
        db.select(Participant).filter_by(email="ousmane@example.org")
    ).scalar_one()
    assert newcomer.replaces_id == awa.id and newcomer.delegation_id == senegal.id
    assert newcomer.status in (S.SUBMITTED, S.APPROVED)
    assert awa.status is S.CANCELLED
    assert inbox.to("ousmane@example.org")


def test_a_substitute_already_registered_is_a_field_error(client, organiser, board, nominations):
    senegal, focal_point, (awa, moussa, khady) = nominations
    url = f"{BASE}/delegations/{senegal.id}/members/{awa.id}/substitute"
    data = registration_data(board, country="SN", email=moussa.email, role="delegate")
    response = client.post(url, data=data, headers=EN)
    assert response.status_code == 422
    assert _field_error(_html(response), "email")
    assert 'value="Ndèye"' in _html(response)
    db.session.expire_all()
    assert awa.status is S.SUBMITTED


def test_a_member_of_another_delegation_cannot_be_replaced_here(
    client, organiser, board, nominations
):
    senegal, focal_point, (awa, *_rest) = nominations
    morocco = _delegation(board, "MA")
    assert (
        client.get(f"{BASE}/delegations/{morocco.id}/members/{awa.id}/substitute").status_code
        == 404
    )


# --- Who may ---------------------------------------------------------------------------------


def test_staff_of_another_meeting_get_404_and_its_host_403(
    client, board, nominations, make_user, login, open_meeting
):
    senegal, focal_point, _people = nominations
    other = open_meeting(slug="other")
    make_user(Role.ORGANISER, "elsewhere@example.org", meetings=[other])
    make_user(Role.HOST, "door@example.org", meetings=[board])
    pages = (
        f"{BASE}/accreditation",
        f"{BASE}/accreditation/nominations",
        f"{BASE}/delegations/{senegal.id}",
        f"{BASE}/delegations/{senegal.id}/focal-points/{focal_point.id}",
    )
    login("elsewhere@example.org")
    assert {client.get(path).status_code for path in pages} == {404}
    assert client.post(f"{BASE}/accreditation/remind").status_code == 404
    client.post("/logout")
    login("door@example.org")
    assert {client.get(path).status_code for path in pages} == {403}


def test_ids_of_another_meeting_or_delegation_are_not_found(
    client, organiser, board, nominations, open_meeting
):
    senegal, focal_point, _people = nominations
    other = open_meeting(slug="other")
    foreign = other.delegations[0]
    foreign_focal_point = _focal_point(foreign, email="foreign@example.org")
    morocco = _delegation(board, "MA")
    for path in (
        f"{BASE}/delegations/{foreign.id}",
        f"{BASE}/delegations/{morocco.id}/focal-points/{focal_point.id}",
        f"{BASE}/delegations/{senegal.id}/focal-points/{foreign_focal_point.id}",
    ):
        assert client.get(path).status_code == 404, path
    for action in ("send", "new-link", "revoke"):
        path = f"{BASE}/delegations/{morocco.id}/focal-points/{focal_point.id}/{action}"
        assert client.post(path).status_code == 404, path
    assert client.post(f"{BASE}/delegations/{foreign.id}/quotas").status_code == 404
    db.session.expire_all()
    assert focal_point.revoked_at is None


# --- The meeting's settings ------------------------------------------------------------------


def _settings(meeting: Meeting, **values) -> dict:
    data = {
        "slug": meeting.slug,
        "host_country_code": meeting.host_country_code or "",
        "city": meeting.city,
        "venue": meeting.venue,
        "timezone": meeting.timezone,
        "start_date": meeting.start_date.isoformat(),
        "end_date": meeting.end_date.isoformat(),
        "languages": list(meeting.languages),
        "default_language": meeting.default_language,
        "registration_mode": meeting.registration_mode,
        "host_country_first": "y" if meeting.host_country_first else "",
    }
    for lang in meeting.languages:
        data[f"title_{lang}"] = meeting.title.get(lang, "")
    return {**data, **values}


def test_who_may_register_and_the_host_countrys_place_are_saved_and_logged(
    client, organiser, board
):
    board.title = {"fr": "Réunion du comité", "en": "Board meeting"}
    db.session.commit()
    page = _html(client.get(f"{BASE}/settings", headers=EN))
    assert "Nominations by delegations&#39; focal points only" in page or (
        "Nominations by delegations' focal points only" in page
    )
    assert "the host country&#39;s delegation comes first" in page or (
        "the host country's delegation comes first" in page
    )
    data = _settings(board, registration_mode="nominations", host_country_first="")
    assert client.post(f"{BASE}/settings", data=data, headers=EN).status_code == 302
    db.session.expire_all()
    assert (board.registration_mode, board.host_country_first) == ("nominations", False)
    assert [e.details for e in _audit("meeting.settings")] == [
        "registration_mode, host_country_first"
    ]
    page = _html(client.get(f"{BASE}/settings", headers=EN))
    assert re.search(r'<input[^>]* checked [^>]*value="nominations"', page)


def test_an_unknown_registration_mode_is_refused_by_its_field(client, organiser, board):
    data = _settings(board, registration_mode="everyone", city="Dakar")
    response = client.post(f"{BASE}/settings", data=data, headers=EN)
    assert response.status_code == 422
    assert _field_error(_html(response), "registration_mode")
    assert 'value="Dakar"' in _html(response)
    db.session.expire_all()
    assert board.registration_mode == "both" and board.city == "Rabat"


def test_a_meeting_started_from_another_copies_quotas_and_settings_not_focal_points(
    client, organiser, board
):
    senegal = _delegation(board, "SN")
    senegal.quotas.append(DelegationQuota(category=Category.CIVIL_SOCIETY, size_limit=1))
    _focal_point(senegal)
    board.registration_mode = "nominations"
    board.host_country_first = False
    db.session.commit()
    data = {
        **_settings(board),
        "source_id": str(board.id),
        "slug": "board-next",
        "start_date": (board.start_date + timedelta(days=365)).isoformat(),
        "end_date": (board.end_date + timedelta(days=365)).isoformat(),
    }
    del data["registration_mode"], data["host_country_first"]
    assert client.post("/manage/meetings/new", data=data).status_code == 302
    new = db.session.execute(db.select(Meeting).filter_by(slug="board-next")).scalar_one()
    copied = _delegation(new, "SN")
    assert [(q.category, q.size_limit, q.seats_taken) for q in copied.quotas] == [
        (Category.CIVIL_SOCIETY, 1, 0)
    ]
    assert copied.focal_points == []
    assert (new.registration_mode, new.host_country_first) == ("nominations", False)


def test_the_size_limit_saved_on_a_delegations_page_comes_back_to_it(client, organiser, board):
    senegal = _delegation(board, "SN")
    prefix = f"d{senegal.id}-"
    response = client.post(
        f"{BASE}/delegations/{senegal.id}",
        data={prefix + "head_id": "", prefix + "size_limit": "6", "back": "delegation"},
        headers=EN,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/delegations/{senegal.id}")
    db.session.expire_all()
    assert senegal.size_limit == 6
