"""Rooms are listed in the reader's alphabetical order (the organisers' rooms page,
the timetable's columns, the session form), sorted by the database."""

import re

from meeting_app.accounts.models import Role
from meeting_app.agenda import services
from meeting_app.extensions import db


def test_rooms_page_lists_rooms_in_alphabetical_order(client, make_user, login, rabat):
    """Character codes put "Salle Émeraude" after "Salle Zénith"."""
    for name in ("Salle Zénith", "Salle Émeraude", "Salle Est", "Salle Alpha"):
        services.save_room(
            rabat, name=name, capacity=20, notes="", available_from=None, available_until=None
        )
    db.session.commit()
    make_user(Role.ORGANISER, "boss@example.org")
    login("boss@example.org")
    html = client.get(
        "/manage/meetings/rabat/agenda/rooms", headers={"Accept-Language": "fr"}
    ).get_data(as_text=True)
    assert re.findall(r'<th scope="row">([^<]+)</th>', html) == [
        "Plénière",
        "Salle Alpha",
        "Salle B",
        "Salle Émeraude",
        "Salle Est",
        "Salle Zénith",
    ]
    assert [room.name for room in services.rooms_of(rabat)][3:] == [
        "Salle Émeraude",
        "Salle Est",
        "Salle Zénith",
    ]
