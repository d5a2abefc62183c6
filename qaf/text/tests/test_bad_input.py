"""Whatever a person types is screened without error and never changed: very long text, emoji,
mixed scripts, invisible and combining characters, HTML and script, nothing at all."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qaf.text.safety import MAX_SCREENED_CHARS, Screener, split_parts

AWKWARD = st.lists(
    st.one_of(
        st.characters(),  # any code point, including controls and unassigned ones
        st.sampled_from(
            [
                "\u200b", "\u200d", "\u2060", "\u202e", "\u00ad", "\u0301", "\u0327",
                "😀", "🏳️‍🌈", "👍🏽", "<", ">", "&", "<script>", "</b>", "\n", ".", "!",
                "hits me", " ", "我", "ب", "й",
            ]
        ),
    ),
    max_size=150,
).map("".join)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=AWKWARD)
def test_any_text_is_screened_and_quoted_unchanged(screener, text):
    before = str(text)
    result = screener.screen(text)
    assert text == before
    assert isinstance(result.alert, bool)
    assert result.alert == bool(result.signals)
    for sentence in result.sentences:
        assert sentence in text  # reported as typed, never a normalised copy
    assert all(isinstance(line, str) for line in result.explanation())


@settings(max_examples=200, deadline=None)
@given(text=AWKWARD)
def test_parts_are_spans_of_the_text(text):
    for part in split_parts(text):
        assert text[part.start : part.end] == part.text
        assert part.text.strip()
        assert len(part.text.split()) <= (24 if part.sentence else 48)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\u200b\u200b", "😀", "...", "<p></p>"])
def test_empty_or_wordless_answers_do_not_alert(screener, text):
    result = screener.screen(text)
    assert not result.alert
    assert result.signals == ()


def test_a_very_long_answer_is_read_in_windows_up_to_the_cap(screener):
    filler = "We went to the park and played football and it was a good day. " * 60
    text = filler[:3000] + " Mum's boyfriend hits me and I am scared of him. " + filler
    assert len(text) > MAX_SCREENED_CHARS
    result = screener.screen(text)
    assert result.alert and result.truncated
    assert any(s.kind == "model" and "hits me" in s.sentence for s in result.signals)
    assert result.explanation()[-1] == (
        "The model read the first 5,000 characters; the word list read all of it."
    )


def test_a_listed_phrase_past_the_cap_is_still_found(screener):
    text = "I like school. " * 400 + "He hurts me."
    assert text.index("He hurts me") > MAX_SCREENED_CHARS
    assert "hurts me" in screener.screen(text).listed_phrases


def test_an_unpunctuated_wall_of_text_is_screened(screener):
    text = ("i like my room and my carers are nice " * 40) + "but my dad punches me when i see him"
    result = screener.screen(text)
    assert result.alert


def test_html_and_script_are_screened_as_text(screener):
    text = '<script>alert("x")</script><b>my stepdad hits me</b>'
    result = screener.screen(text)
    assert result.alert
    assert all(s.sentence in text for s in result.signals)


def test_disguised_words_are_seen_by_both_signals(screener):
    result = screener.screen("my step\u200bdad h\u200bits m\u0301e")
    assert {s.kind for s in result.signals} == {"list", "model"}


def test_the_list_alone_screens_any_text():
    list_only = Screener(unavailable_reason="a test")
    for text in ["", "\u202e", "😀" * 2000, "x" * 20_000, "he hits me"]:
        result = list_only.screen(text)
        assert result.alert == ("hits me" in text)
