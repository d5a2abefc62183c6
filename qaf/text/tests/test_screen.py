"""The screen on clear examples of each kind of disclosure and of ordinary text (written for
these tests, not taken from the labelled set), and what an alert tells the duty worker."""

import pytest

from qaf.feedback.models import MAX_TEXT
from qaf.text.labelled import dev_examples, heldout_examples
from qaf.text.safety import MAX_SCREENED_CHARS

CLEAR_DISCLOSURES = [
    ("physical", "My stepfather hits me with his fists when he is angry."),
    ("sexual", "My uncle touches my private parts when we are on our own."),
    ("emotional", "My mum tells me every day that she hates me and I am useless."),
    ("neglect", "There is never food at home and I go to bed hungry most nights."),
    ("domestic", "My dad beats my mum and I have to watch."),
    (
        "exploitation",
        "Older boys make me carry drugs to other towns and say they will hurt me if I stop.",
    ),
    ("online", "A man I met online keeps asking me to send him naked photos."),
    ("self_harm", "I have been cutting my arms with a razor."),
    ("suicidal", "I want to kill myself."),
    ("fear", "I am too scared to go home because of my stepdad."),
]

CLEAR_ORDINARY = [
    "My social worker is really kind and always rings me back.",
    "The meeting room was cold and the biscuits were stale.",
    "I like going to the youth club on Fridays.",
    "Thank you for helping me with my college application.",
    "We went to the seaside and I built a sandcastle.",
]


def labelled_texts():
    return {e.text for e in dev_examples() + heldout_examples()}


def test_these_examples_are_not_from_the_labelled_set():
    texts = labelled_texts()
    assert not {t for _, t in CLEAR_DISCLOSURES} & texts
    assert not set(CLEAR_ORDINARY) & texts


@pytest.mark.parametrize(("kind", "text"), CLEAR_DISCLOSURES, ids=[k for k, _ in CLEAR_DISCLOSURES])
def test_a_clear_disclosure_of_each_kind_alerts_through_the_model(screener, kind, text):
    result = screener.screen(text)
    assert result.alert
    assert result.model_used
    model_signals = [s for s in result.signals if s.kind == "model"]
    assert model_signals, result.explanation()
    assert model_signals[0].score >= model_signals[0].threshold


@pytest.mark.parametrize("text", CLEAR_ORDINARY)
def test_clear_ordinary_text_does_not_alert(screener, text):
    result = screener.screen(text)
    assert not result.alert, result.explanation()
    assert result.signals == ()
    assert result.model_score is not None
    assert result.model_score < screener.classifier.threshold


def test_the_alert_quotes_the_sentence_that_raised_it_as_typed(screener):
    text = "The group is fun and the staff are nice.  My stepdad hits me when Mum is at work.  I like the trips."
    result = screener.screen(text)
    assert result.alert
    assert "My stepdad hits me when Mum is at work." in result.sentences
    assert "I like the trips." not in result.sentences
    for sentence in result.sentences:
        assert sentence in text


def test_each_signal_explains_itself(screener):
    result = screener.screen("he hits me")
    by_kind = {s.kind: s for s in result.signals}
    assert by_kind["list"].phrase == "hits me"
    assert by_kind["list"].explain() == "Listed phrase “hits me” in: “he hits me”"
    model = by_kind["model"]
    assert model.category  # the kind of harm of the nearest labelled disclosure, as a label
    assert model.example
    explained = model.explain()
    assert explained.startswith(f"Model score {model.score:.2f} (alerts at {model.threshold:.2f})")
    assert f"closest to {model.category.lower()}" in explained
    assert result.explanation() == [s.explain() for s in result.signals]
    assert result.listed_phrases == ("hits me",)


def test_a_listed_phrase_alerts_even_where_the_model_would_not(screener):
    # "die" is on the maintained list; the model alone does not read this as a disclosure.
    result = screener.screen("I will die if the survey is any longer")
    assert result.alert
    assert result.listed_phrases == ("die",)
    assert [s.kind for s in result.signals] == ["list"]


def test_the_model_reads_as_much_as_a_survey_answer_can_hold():
    assert MAX_SCREENED_CHARS == MAX_TEXT
