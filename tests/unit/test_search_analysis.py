"""Search text analysis: tokens, accent folding, stems in two languages, Han bigrams."""

import pytest

from ideas.search.analysis import (
    fold,
    mark_language,
    names_analyzer,
    spelling_analyzer,
    stems,
    text_analyzer,
)


def tokens(text: str, **kwargs) -> list[tuple[int, str]]:
    return [(t.pos, t.text) for t in text_analyzer()(text, positions=True, **kwargs)]


@pytest.mark.parametrize(
    ("written", "folded"),
    [("équipe", "equipe"), ("Évaluation", "Evaluation"), ("naïve", "naive"), ("cœur", "coeur"),
     ("Ｂｕｄｇｅｔ", "Budget"), ("公務員", "公務員"), ("plain", "plain")],
)  # fmt: skip
def test_fold_removes_accents_ligatures_and_full_width_forms(written, folded):
    assert fold(written) == folded


def test_han_runs_become_overlapping_bigrams_and_a_lone_character_stays():
    assert [text for _, text in tokens("改善公務員 公")] == ["改善", "善公", "公務", "務員", "公"]


def test_bigrams_take_consecutive_positions_so_a_phrase_can_require_them_in_order():
    assert tokens("公務員") == [(0, "公務"), (1, "務員")]


def test_french_elisions_split_and_common_words_are_dropped():
    assert [text for _, text in tokens(mark_language("l'équipe de la ville", "fr"))] == [
        "equip",
        "vill",
    ]


def test_words_of_unknown_language_get_both_stems_at_one_position():
    assert tokens("governments") == [(0, "govern"), (0, "government")]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", [(0, "govern")]), ("fr", [(0, "government")])],
)
def test_a_marked_language_keeps_only_its_own_stem(language, expected):
    assert tokens(mark_language("governments", language)) == expected


def test_the_language_mark_is_not_a_token_and_character_offsets_stay_true():
    text = mark_language("Teams work", "en")
    found = [(t.text, text[t.startchar : t.endchar]) for t in text_analyzer()(text, chars=True)]
    assert found == [("team", "Teams"), ("work", "work")]


@pytest.mark.parametrize(
    ("word", "also"),
    [
        ("teams", "team"),
        ("équipes", "équipe"),
        ("policies", "policy"),
        ("gouvernements", "gouvernement"),
    ],
)
def test_inflections_share_a_stem(word, also):
    assert set(stems(fold(word))) & set(stems(fold(also)))


def test_the_spelling_field_keeps_words_as_written():
    # "Did you mean" offers words as titles spell them: no folding, no stemming.
    assert [t.text for t in spelling_analyzer()("Les Équipes fédérales")] == [
        "équipes",
        "fédérales",
    ]


def test_names_are_folded_but_not_stemmed_and_lone_operators_vanish():
    assert [t.text for t in names_analyzer()("Hélène Côté AND the")] == ["helene", "cote"]
