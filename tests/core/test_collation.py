"""Lists sorted as each language sorts them (Unicode Collation Algorithm with
CLDR's rules), in Python and in the database alike."""

import pytest

from meeting_app.core.collation import collated, sort_key
from meeting_app.extensions import db
from meeting_app.registration.models import Participant

FRENCH = [
    "Zimbabwe",
    "Îles Åland",
    "États-Unis",
    "Espagne",
    "Érythrée",
    "Équateur",
    "Émirats arabes unis",
    "Égypte",
    "Djibouti",
    "Danemark",
    "Île Maurice",
    "Îles Cook",
    "Inde",
    "Honduras",
]


def test_french_puts_accented_capitals_among_their_letters():
    """Code-point order puts É and Î after Z; French reads them as E and I."""
    assert sorted(FRENCH, key=sort_key("fr")) == [
        "Danemark",
        "Djibouti",
        "Égypte",
        "Émirats arabes unis",
        "Équateur",
        "Érythrée",
        "Espagne",
        "États-Unis",
        "Honduras",
        "Île Maurice",
        "Îles Åland",
        "Îles Cook",
        "Inde",
        "Zimbabwe",
    ]


def test_spanish_sorts_enye_as_its_own_letter_after_n():
    """Ñ is a letter of its own in Spanish (after every N word); elsewhere it is an N."""
    names = ["Ortega", "Ñañez", "Nuñez", "Nieto"]
    assert sorted(names, key=sort_key("es")) == ["Nieto", "Nuñez", "Ñañez", "Ortega"]
    assert sorted(names, key=sort_key("en")) == ["Ñañez", "Nieto", "Nuñez", "Ortega"]


def test_an_unknown_language_and_missing_text_still_sort():
    """A language we have no rules for uses CLDR's root order; None sorts as empty."""
    assert sorted(["Zoé", "Émile", None], key=sort_key("de")) == [None, "Émile", "Zoé"]


@pytest.mark.parametrize("language", ["fr", "es", "en"])
def test_the_database_sorts_as_python_does(make_meeting, make_participant, language):
    """ORDER BY on the names (PostgreSQL's ICU collation, or SQLite's registered one)
    gives the order of the Python key: the lists the database pages agree with the rest."""
    meeting = make_meeting()
    names = ["Zadi", "Équateur", "Ñañez", "Nuñez", "Œuvray", "Ôba", "eze", "Ezeh", "Ortega"]
    for name in names:
        make_participant(meeting, family_name=name)
    column = collated(Participant.family_name, language)
    in_database = db.session.execute(
        db.select(Participant.family_name).filter_by(meeting_id=meeting.id).order_by(column)
    ).scalars()
    assert list(in_database) == sorted(names, key=sort_key(language))
