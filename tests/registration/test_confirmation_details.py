"""The confirmation e-mail repeats what the person entered, their delegation included,
in their language, whoever registered them."""

import pytest

from meeting_app.accounts.models import Role
from tests.conftest import registration_data

DELEGATION_LINE = {
    "fr": ("Délégation : Sénégal", "Délégation: Sénégal"),
    "en": ("Delegation: Senegal",),
    "es": ("Delegación: Senegal",),
    # The country as CLDR names it in Arabic and Russian (the label is the catalog's).
    "ar": ("السنغال",),
    "ru": ("Сенегал",),
}
OTHER = ("International organisation", "Organisation internationale", "Organización internacional")


@pytest.mark.parametrize("language", ["fr", "en", "es", "ar", "ru"])
def test_confirmation_names_the_delegation_chosen_in_the_form(
    client, open_meeting, inbox, language
):
    """Bad outcome tried: the mail said "International organisation / other" although
    the person chose Senegal (the new registration's delegation was not loaded yet)."""
    meeting = open_meeting(slug="dakar")
    client.post(
        "/meetings/dakar/register",
        data=registration_data(meeting, country="SN", preferred_language=language),
    )
    (message,) = inbox.to("ndeye.diop@example.org")
    body = inbox.body(message)
    assert any(line in body for line in DELEGATION_LINE[language]), body
    assert not any(other in body for other in OTHER), body


def test_a_registration_made_by_an_organiser_names_its_delegation_too(
    client, open_meeting, inbox, make_user, login
):
    """Bad outcome tried: the same wrong delegation in mails of registrations that the
    secretariat enters for someone (the same service, with a user)."""
    meeting = open_meeting(slug="dakar")
    make_user(Role.ORGANISER, "secretariat@example.org")
    login("secretariat@example.org")
    client.post(
        "/manage/meetings/dakar/registrations/new",
        data={
            **registration_data(meeting, country="MA", preferred_language="en"),
            "role": "delegate",
        },
    )
    (message,) = inbox.to("ndeye.diop@example.org")
    assert "Delegation: Morocco" in inbox.body(message)


def test_international_organisation_is_named_as_such(client, open_meeting, inbox):
    """The other side: without a delegation the mail says so, not a country."""
    meeting = open_meeting(slug="dakar")
    client.post(
        "/meetings/dakar/register", data=registration_data(meeting, preferred_language="en")
    )
    (message,) = inbox.to("ndeye.diop@example.org")
    assert "Delegation: International organisation / other" in inbox.body(message)
