"""Decisions and action points: the working list (add, edit, reorder, delete),
its bad input, and its publication in versions with the changes shown."""

from datetime import date

from meeting_app.extensions import db
from meeting_app.outcomes import decisions
from meeting_app.outcomes.models import Decision, DecisionStatus
from meeting_app.registration.models import RegistrationStatus

BASE = "/manage/meetings/rabat/outcomes/decisions"


def add(client, text, **values):
    return client.post(
        f"{BASE}/new",
        data={"text_fr": text, "owner": "", "due_date": "", "status": "open", **values},
    )


def listed(rabat) -> list[str]:
    return [d.text["fr"] for d in decisions.decisions_of(rabat)]


def test_organiser_adds_edits_reorders_and_deletes_decisions(client, organiser, rabat):
    assert client.get(f"{BASE}/new").status_code == 200
    response = add(client, "Adopter le plan de travail", owner="Secrétariat", due_date="2022-09-30")
    assert response.status_code == 302
    add(client, "Préparer le rapport annuel", text_en="Prepare the annual report")
    add(client, "Réunir le comité technique")
    assert listed(rabat) == [
        "Adopter le plan de travail",
        "Préparer le rapport annuel",
        "Réunir le comité technique",
    ]
    first, second, third = decisions.decisions_of(rabat)
    assert first.owner == "Secrétariat" and first.due_date == date(2022, 9, 30)
    assert second.text == {"fr": "Préparer le rapport annuel", "en": "Prepare the annual report"}

    page = client.get(BASE).get_data(as_text=True)
    assert "Adopter le plan de travail" in page and "2022-09-30" in page

    client.post(f"{BASE}/{third.id}/move", data={"direction": "up"})
    assert listed(rabat)[1:] == ["Réunir le comité technique", "Préparer le rapport annuel"]
    client.post(f"{BASE}/{first.id}/move", data={"direction": "up"})  # first already
    client.post(f"{BASE}/{first.id}/move", data={"direction": "down"})
    assert listed(rabat)[0] == "Réunir le comité technique"

    edited = client.post(
        f"{BASE}/{second.id}",
        data={"text_fr": "Préparer le rapport", "owner": "PNUD", "due_date": "", "status": "done"},
    )
    assert edited.status_code == 302
    db.session.refresh(second)
    assert second.status is DecisionStatus.DONE and second.owner == "PNUD"
    assert second.due_date is None

    assert client.post(f"{BASE}/{first.id}/delete").status_code == 302
    assert "Adopter le plan de travail" not in listed(rabat)


def test_a_due_date_that_is_not_a_date_is_refused_with_its_message(client, organiser, rabat):
    response = add(client, "Adopter le plan", due_date="next Tuesday")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the due date as a date (YYYY-MM-DD), or leave it empty." in html
    assert 'aria-invalid="true"' in html
    assert db.session.execute(db.select(Decision)).first() is None


def test_a_decision_without_text_is_refused(client, organiser, rabat):
    response = add(client, "   ")
    assert response.status_code == 422
    assert "Write the decision in at least one language." in response.get_data(as_text=True)


def test_a_bad_move_direction_is_a_400(client, organiser, rabat):
    add(client, "Adopter le plan")
    decision = decisions.decisions_of(rabat)[0]
    assert (
        client.post(f"{BASE}/{decision.id}/move", data={"direction": "sideways"}).status_code == 400
    )


def test_another_meetings_decision_answers_404(client, organiser, make_meeting):
    other = make_meeting(slug="dakar")
    foreign = Decision(meeting_id=other.id, text={"en": "Theirs"})
    db.session.add(foreign)
    db.session.commit()
    assert client.get(f"{BASE}/{foreign.id}").status_code == 404
    assert client.post(f"{BASE}/{foreign.id}", data={"text_fr": "Mine"}).status_code == 404
    assert client.post(f"{BASE}/{foreign.id}/move", data={"direction": "up"}).status_code == 404
    assert client.post(f"{BASE}/{foreign.id}/delete").status_code == 404
    assert db.session.get(Decision, foreign.id).text == {"en": "Theirs"}
    assert client.get(f"{BASE}/999999").status_code == 404


def test_publishing_nothing_is_refused_with_a_message(client, organiser, rabat):
    response = client.post(f"{BASE}/publish", data={"audience": "public"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There is nothing to publish: add a decision or action point first." in page


def test_versions_show_what_was_added_changed_removed_and_whose_status_changed(
    client, organiser, rabat
):
    add(client, "Adopter le plan de travail", owner="Secrétariat")
    add(client, "Préparer le rapport annuel")
    add(client, "Réunir le comité technique")
    client.post(f"{BASE}/publish", data={"audience": "public"})
    plan, report, committee = decisions.decisions_of(rabat)
    client.post(
        f"{BASE}/{plan.id}",
        data={"text_fr": "Adopter le plan de travail", "owner": "Secrétariat", "status": "done"},
    )
    client.post(
        f"{BASE}/{report.id}",
        data={
            "text_fr": "Préparer le rapport",
            "owner": "OIM",
            "due_date": "2022-12-01",
            "status": "open",
        },
    )
    client.post(f"{BASE}/{committee.id}/delete")
    add(client, "Organiser la troisième réunion")
    pending = client.get(BASE).get_data(as_text=True)
    assert "What publishing now changes" in pending and "Organiser la troisième réunion" in pending
    client.post(f"{BASE}/publish", data={"audience": "public"})

    public = client.get("/meetings/rabat/outcomes").get_data(as_text=True)
    assert "Version 2, published" in public
    assert "Changes since version 1" in public
    changes = public.split("Changes since version 1")[1].split("</details>")[0]
    assert "Added</strong>: Organiser la troisième réunion" in changes
    assert "Removed</strong>: <del>Réunir le comité technique</del>" in changes
    assert (
        "Status changed</strong>: Adopter le plan de travail — "
        f"from {DecisionStatus.OPEN.label} to {DecisionStatus.DONE.label}"
    ) in changes
    assert "Changed</strong>: Préparer le rapport" in changes
    assert "Text before: Préparer le rapport annuel" in changes
    assert "Owner: — → OIM" in changes
    assert "Due date: — → 2022-12-01" in changes


def test_participants_only_decisions_stay_off_the_public_page(
    client, organiser, rabat, make_participant
):
    approved = make_participant(rabat)
    cancelled = make_participant(rabat, status=RegistrationStatus.CANCELLED)
    add(client, "Décision interne")
    client.post(f"{BASE}/publish", data={"audience": "participants"})
    public = client.get("/meetings/rabat/outcomes").get_data(as_text=True)
    assert "Décision interne" not in public
    assert "No decision has been published yet." in public
    assert "Décision interne" in client.get(f"/r/{approved.token}/outcomes").get_data(as_text=True)
    assert client.get(f"/r/{cancelled.token}/outcomes").status_code == 404


def test_a_decision_added_by_a_host_is_refused(client, make_user, login, rabat):
    from meeting_app.accounts.models import Role

    make_user(Role.HOST, "door@example.org", meetings=[rabat])
    login("door@example.org")
    assert add(client, "Intrusion").status_code == 403
    assert client.get(BASE).status_code == 403
