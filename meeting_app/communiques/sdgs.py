"""The 17 Sustainable Development Goals: numbers, names in each language (through
the catalogs) and the goals' official colours, as on the UN's icons."""

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Goal:
    number: int
    name: object  # a lazy string, translated where it is shown
    colour: str

    @property
    def text_colour(self) -> str:
        """Black or white, whichever contrasts more with the goal's colour: one of
        them always reaches WCAG AA's 4.5:1 for text (white everywhere, as on the
        UN's icons, gives 3.3:1 on the green of goal 3)."""
        return max(("#000000", "#ffffff"), key=lambda text: contrast(self.colour, text))


def _luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour written #RRGGBB."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    """WCAG 2.1's contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


GOALS: dict[int, Goal] = {
    goal.number: goal
    for goal in (
        Goal(1, _l("No poverty"), "#E5243B"),
        Goal(2, _l("Zero hunger"), "#DDA63A"),
        Goal(3, _l("Good health and well-being"), "#4C9F38"),
        Goal(4, _l("Quality education"), "#C5192D"),
        Goal(5, _l("Gender equality"), "#FF3A21"),
        Goal(6, _l("Clean water and sanitation"), "#26BDE2"),
        Goal(7, _l("Affordable and clean energy"), "#FCC30B"),
        Goal(8, _l("Decent work and economic growth"), "#A21942"),
        Goal(9, _l("Industry, innovation and infrastructure"), "#FD6925"),
        Goal(10, _l("Reduced inequalities"), "#DD1367"),
        Goal(11, _l("Sustainable cities and communities"), "#FD9D24"),
        Goal(12, _l("Responsible consumption and production"), "#BF8B2E"),
        Goal(13, _l("Climate action"), "#3F7E44"),
        Goal(14, _l("Life below water"), "#0A97D9"),
        Goal(15, _l("Life on land"), "#56C02B"),
        Goal(16, _l("Peace, justice and strong institutions"), "#00689D"),
        Goal(17, _l("Partnerships for the goals"), "#19486A"),
    )
}


def goals_of(numbers) -> list[Goal]:
    return [GOALS[n] for n in sorted(set(numbers or ())) if n in GOALS]


def badges(numbers, language: str) -> list[dict]:
    """The goals as badges worded in `language` (the communiqué's, which may not be
    the reader's)."""
    with force_locale(language):
        return [
            {
                "number": goal.number,
                "label": _("SDG %(number)d", number=goal.number),
                "name": str(goal.name),
                "colour": goal.colour,
                "text_colour": goal.text_colour,
            }
            for goal in goals_of(numbers)
        ]
