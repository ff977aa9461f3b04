"""Tests for participation.text.ranges (the numbered lines an amendment changes)."""

from participation.text.lines import line_spans, number_lines
from participation.text.ranges import amendment_lines, changed_lines, merge_ranges

SATZUNG = (
    "## Zweck\n\n"
    "Der Verein fördert die Teilhabe von Menschen mit Einwanderungsgeschichte am "
    "gesellschaftlichen, politischen und kulturellen Leben. Er unterstützt seine "
    "Mitgliedsorganisationen bei der Beratung, der Bildungsarbeit und der Vertretung "
    "ihrer Anliegen gegenüber Politik und Verwaltung. Er arbeitet überparteilich und "
    "mit anderen Verbänden zusammen, die dieselben Ziele verfolgen.\n\n"
    "- Beratung\n- Bildung"
)
# At 40 columns: line 1 heading, lines 2-11 the paragraph, 12 and 13 the items.
WIDTH = 40


def lines_of(source: str) -> list[str]:
    return [line.text for block in number_lines(source, WIDTH) for line in block.lines]


def test_the_paragraph_spans_lines_2_to_11():
    texts = lines_of(SATZUNG)
    assert texts[3] == "gesellschaftlichen, politischen und"
    assert texts[4] == "kulturellen Leben. Er unterstützt seine"
    assert len(texts) == 13


def test_two_words_on_two_lines_give_just_those_lines():
    paragraph = SATZUNG.split("\n\n")[1]
    changed = paragraph.replace(
        "politischen und kulturellen", "politischen, sozialen und kulturellen"
    )
    assert amendment_lines(SATZUNG, {1: changed}, WIDTH) == [(4, 4)]
    changed = paragraph.replace("und kulturellen", "oder religiösen")
    assert amendment_lines(SATZUNG, {1: changed}, WIDTH) == [(4, 5)]


def test_insertions_belong_to_the_line_of_the_word_before():
    paragraph = SATZUNG.split("\n\n")[1]
    assert amendment_lines(SATZUNG, {1: "Satz eins. " + paragraph}, WIDTH) == [(2, 2)]
    assert amendment_lines(SATZUNG, {1: paragraph + " Ende."}, WIDTH) == [(11, 11)]
    # a new list item after "Beratung" touches the line of that item
    assert amendment_lines(SATZUNG, {2: "- Beratung\n- Begleitung"}, WIDTH) == [(12, 12)]


def test_whole_blocks_when_deleted_restyled_or_rewritten():
    assert amendment_lines(SATZUNG, {1: ""}, WIDTH) == [(2, 11)]
    assert amendment_lines(SATZUNG, {0: "Zweck"}, WIDTH) == [(1, 1)]  # heading to paragraph
    rewritten = "Der Verein berät und vertritt seine Mitglieder."
    assert amendment_lines(SATZUNG, {1: rewritten}, WIDTH) == [(2, 11)]
    # bold is a change of the word, a different Markdown spelling of the same text is not
    assert amendment_lines(SATZUNG, {3: "- **Bildung**"}, WIDTH) == [(13, 13)]
    numbered = line_spans(SATZUNG, WIDTH)
    assert changed_lines(numbered, 3, "* Bildung") == (13, 13)


def test_ranges_of_several_blocks_join_where_they_meet():
    assert amendment_lines(SATZUNG, {0: "## Ziel", 3: "- Bildungsarbeit"}, WIDTH) == [
        (1, 1),
        (13, 13),
    ]
    assert merge_ranges([(5, 6), (1, 2), (3, 3), (9, 9)]) == [(1, 3), (5, 6), (9, 9)]
    assert amendment_lines(SATZUNG, {7: "außerhalb"}, WIDTH) == []


def test_lines_after_a_hard_break():
    source = "Anschrift:\\\nHauptstraße 1\\\n12345 Musterstadt"
    assert amendment_lines(source, {0: source.replace("1\\", "7\\")}, WIDTH) == [(2, 2)]
