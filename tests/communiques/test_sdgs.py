"""The goals' badges keep the UN's official colours and their text reaches WCAG
AA's 4.5:1 contrast on each of them."""

import pytest

from meeting_app.communiques.sdgs import GOALS

# The goals' colours as the UN publishes them (SDG communications guidelines).
OFFICIAL = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
    7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
    13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A",
}  # fmt: skip


def wcag_contrast(one: str, other: str) -> float:
    """Written out again here from WCAG 2.1's definitions, so as not to test the
    app's formula with itself."""

    def luminance(colour: str) -> float:
        values = []
        for start in (1, 3, 5):
            c = int(colour[start : start + 2], 16) / 255
            values.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = values
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_official_colours_are_kept():
    assert {n: goal.colour for n, goal in GOALS.items()} == OFFICIAL


@pytest.mark.parametrize("number", sorted(OFFICIAL))
def test_text_on_each_goals_colour_reaches_4_5_to_1(number):
    """White on every goal (as on the UN's icons) gives 3.3:1 on goal 3's green and
    3.6:1 on goal 5's red-orange: too faint for text."""
    goal = GOALS[number]
    assert wcag_contrast(goal.colour, goal.text_colour) >= 4.5, (goal.colour, goal.text_colour)
