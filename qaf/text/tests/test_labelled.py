"""The labelled set the screen is held to: big enough, balanced, every kind covered, and split
by its own fixed rule (so nobody can move a text between halves to flatter a figure)."""

from collections import Counter

from qaf.text.labelled import (
    DEV_PATH,
    DISCLOSURE_KINDS,
    HELDOUT_PATH,
    ORDINARY_KINDS,
    dev_examples,
    half_for,
    heldout_examples,
)

# The kinds the issue names (issue 11, "The evaluation the screen is held to"), written again.
REQUIRED_DISCLOSURES = {
    "physical", "sexual", "emotional", "neglect", "domestic", "exploitation", "online",
    "self_harm", "suicidal", "fear",
}  # fmt: skip
REQUIRED_ORDINARY = {
    "service", "sadness", "idiom", "pets", "strict", "home", "bored", "school", "praise",
}  # fmt: skip


def all_examples():
    return dev_examples() + heldout_examples()


def test_at_least_400_texts_about_half_of_them_disclosures():
    examples = all_examples()
    assert len(examples) >= 400
    disclosures = sum(e.disclosure for e in examples)
    assert 0.45 <= disclosures / len(examples) <= 0.55


def test_every_required_kind_is_there_with_enough_texts():
    counts = Counter(e.category for e in all_examples())
    assert set(DISCLOSURE_KINDS) >= REQUIRED_DISCLOSURES
    assert set(ORDINARY_KINDS) >= REQUIRED_ORDINARY
    for kind in REQUIRED_DISCLOSURES | REQUIRED_ORDINARY:
        assert counts[kind] >= 20, kind


def test_labels_follow_the_kind():
    for e in all_examples():
        expected = "disclosure" if e.category in DISCLOSURE_KINDS else "ordinary"
        assert e.label == expected, e.id
        assert e.category in DISCLOSURE_KINDS or e.category in ORDINARY_KINDS, e.id


def test_each_text_is_in_the_half_its_own_words_choose():
    for e in dev_examples():
        assert half_for(e.text) == "dev", e.id
    for e in heldout_examples():
        assert half_for(e.text) == "heldout", e.id


def test_the_halves_are_about_even_and_share_no_text_or_id():
    dev, heldout = dev_examples(), heldout_examples()
    assert 0.4 <= len(dev) / (len(dev) + len(heldout)) <= 0.6
    texts = [e.text.casefold() for e in dev + heldout]
    ids = [e.id for e in dev + heldout]
    assert len(set(texts)) == len(texts)
    assert len(set(ids)) == len(ids)


def test_the_files_hold_one_text_a_line_with_no_tabs_inside():
    for path in (DEV_PATH, HELDOUT_PATH):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert line.count("\t") == 3, line
