"""Lists sorted as each language sorts them (Unicode Collation Algorithm with
CLDR's rules), in Python and in the database alike, in the five languages."""

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


ARABIC = ["بلال", "آمنة", "إبراهيم", "ابتسام", "أحمد", "تسنيم", "ثريا", "ياسين", "زينب", "رشيد"]
RUSSIAN = ["Ёлкин", "Абрамов", "Егоров", "Жуков", "Яковлев", "Елисеев", "ёжиков", "Ершов"]


def test_arabic_reads_alef_with_hamza_as_alef():
    """Arabic's order (CLDR's tailoring) takes أ, إ and ا for one letter, the hamza
    counting only between otherwise equal names, and آ before them: code points put
    each form of alef apart, whatever follows it (أحمد before إبراهيم before ابتسام)."""
    assert sorted(ARABIC, key=sort_key("ar")) == [
        "آمنة",
        "ابتسام",
        "إبراهيم",
        "أحمد",
        "بلال",
        "تسنيم",
        "ثريا",
        "رشيد",
        "زينب",
        "ياسين",
    ]
    assert sorted(ARABIC)[:4] == ["آمنة", "أحمد", "إبراهيم", "ابتسام"]


def test_russian_puts_yo_among_the_ye_words():
    """Ё is a Е with a diaeresis in Russian's order; code points put Ё before А and
    ё after я."""
    assert sorted(RUSSIAN, key=sort_key("ru")) == [
        "Абрамов",
        "Егоров",
        "ёжиков",
        "Елисеев",
        "Ёлкин",
        "Ершов",
        "Жуков",
        "Яковлев",
    ]
    assert sorted(RUSSIAN)[0] == "Ёлкин" and sorted(RUSSIAN)[-1] == "ёжиков"


def test_an_unknown_language_and_missing_text_still_sort():
    """A language we have no rules for uses CLDR's root order; None sorts as empty."""
    assert sorted(["Zoé", "Émile", None], key=sort_key("de")) == [None, "Émile", "Zoé"]


@pytest.mark.parametrize("language", ["fr", "es", "en", "ar", "ru"])
def test_the_database_sorts_as_python_does(make_meeting, make_participant, language):
    """ORDER BY on the names (PostgreSQL's ICU collation, or SQLite's registered one)
    gives the order of the Python key: the lists the database pages agree with the rest."""
    meeting = make_meeting()
    names = ["Zadi", "Équateur", "Ñañez", "Nuñez", "Œuvray", "Ôba", "eze", "Ezeh", "Ortega"]
    names += [*ARABIC, *RUSSIAN]
    for name in names:
        make_participant(meeting, family_name=name)
    column = collated(Participant.family_name, language)
    in_database = db.session.execute(
        db.select(Participant.family_name).filter_by(meeting_id=meeting.id).order_by(column)
    ).scalars()
    assert list(in_database) == sorted(names, key=sort_key(language))
