"""Search keys (places.folding): one key for a name however it is typed, and the ranking of
what a key range finds. Pure functions: no database."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from places import folding
from places.folding import (
    Candidate,
    fold,
    keys_of,
    name_keys,
    near_distance,
    prefix_end,
    rank,
    rank_near,
)
from places.transliteration import ascii_slug

names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@pytest.mark.parametrize(
    ("texts", "key"),
    [
        (["shakhtinsk", "Shakhtīnsk", "SHAKHTINSK", "  Shakhtinsk! "], "shakhtinsk"),
        (["Шахтинск", "ШАХТИНСК", "шахтинск"], "shahtinsk"),
        (["fedorovskoe", "Федоровское", "Фёдоровское", "ФЁДОРОВСКОЕ"], "fedorovskoe"),
        (["Қарағанды", "Qaragandy", "QARAĞANDY"], "qaragandy"),
        (["Straße", "STRASSE"], "strasse"),
        (["Irtysh–Karaganda Canal", "irtysh karaganda canal"], "irtysh karaganda canal"),
        (["北京市"], "北京市"),
        (["\u0301", "!?", "", "\U0001d165"], ""),  # marks alone, punctuation, nothing
    ],
)
def test_a_name_typed_in_any_case_accents_or_script_folds_to_one_key(texts, key):
    assert {fold(text) for text in texts} == {key}


def test_folding_transliterates_with_the_slugs_table():
    # The slug of a name without marks is its key with hyphens for spaces.
    for name in ("Парк Долинки", "Шахтинск", "Қарағанды облысы", "Жезказган"):
        assert fold(name).replace(" ", "-") == ascii_slug(name)


def test_a_name_is_found_from_each_of_its_words():
    assert name_keys("Фёдоровское водохранилище") == [
        (0, "fedorovskoe vodohranilishe"),
        (1, "vodohranilishe"),
    ]
    assert name_keys("!!!") == []
    assert len(name_keys(" ".join("word" for _ in range(20)))) == folding.MAX_WORDS


@given(names)
def test_folding_is_idempotent_and_gives_lowercase_words_separated_by_single_spaces(text):
    key = fold(text)

    assert fold(key) == key
    assert key == key.strip()
    assert "  " not in key
    assert len(key) <= folding.KEY_LENGTH
    assert all(character.isalnum() or character == " " for character in key)
    assert key == key.casefold() or not key.isascii()


@given(names, names)
def test_a_key_starting_with_a_prefix_lies_in_its_range(prefix, rest):
    key = fold(prefix)
    if not key:
        return
    longer = key + rest

    assert key <= longer < prefix_end(key)


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=10))
def test_nothing_that_does_not_start_with_a_prefix_lies_in_its_range(prefix):
    end = prefix_end(prefix)
    assert prefix < end
    for other in (end, end + "a", prefix[:-1], prefix[:-1] + "\U0010ffff"):
        if not other.startswith(prefix):
            assert not (prefix <= other < end)


@pytest.mark.parametrize(
    ("query", "key", "distance"),
    [
        ("shakhtinks", "shakhtinsk qalasy", 1),  # two letters swapped
        ("shakhtnsk", "shakhtinsk", 1),  # a letter left out
        ("shakhtiinsk", "shakhtinsk", 1),  # a letter added
        ("karagamda", "karaganda", 1),  # a letter changed
        ("karagnada", "karaganda", 1),
        ("sharan", "saran", 1),  # short: one edit only
        ("shorn", "saran", None),
        ("qaragandy", "karaganda", 2),  # long: two
        ("qaragondi", "karaganda", None),
    ],
)
def test_a_near_miss_is_within_one_edit_or_two_for_long_queries(query, key, distance):
    assert near_distance(query, key) == distance


def optimal_string_alignment(a, b):
    """The distance by its textbook definition, independent of the library search uses."""
    table = [[i + j if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            table[i][j] = min(
                table[i - 1][j] + 1,
                table[i][j - 1] + 1,
                table[i - 1][j - 1] + (a[i - 1] != b[j - 1]),
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@given(st.text("abcs ", min_size=1, max_size=10), st.text("abcs ", min_size=1, max_size=14))
def test_a_near_miss_is_the_fewest_edits_to_a_start_of_the_key_about_as_long(query, key):
    limit = folding.near_limit(query)
    starts = range(max(1, len(query) - limit), len(query) + limit + 1)
    fewest = min(optimal_string_alignment(query, key[:length]) for length in starts)

    assert near_distance(query, key) == (fewest if fewest <= limit else None)


def candidate(place, name, importance=0, alternate=False):
    """The candidates a name of a place gives, as the database would hold them."""
    return [
        Candidate(place, key, word, importance, name, alternate) for word, key in name_keys(name)
    ]


def test_ranking_puts_exact_then_prefix_then_word_matches_then_importance_then_name():
    candidates = [
        *candidate(1, "Old Lake Tower"),
        *candidate(2, "Lakeside"),
        *candidate(3, "Lake City", importance=900_001),
        *candidate(4, "Lake Town", importance=5_001),
        *candidate(5, "Lake"),
        *candidate(6, "Big Lake", importance=10**9),
    ]

    hits = rank("lake", candidates)

    assert [hit.place for hit in hits] == [5, 3, 4, 2, 6, 1]
    assert [hit.match for hit in hits] == ["exact", "prefix", "prefix", "prefix", "word", "word"]


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.sampled_from(["Lake", "Lake Town", "Old Lake", "Lakes"])),
        max_size=12,
    )
)
def test_each_place_is_ranked_once_by_its_best_name(names_of_places):
    candidates = [c for place, name in names_of_places for c in candidate(place, name)]

    hits = rank("lake", candidates)

    assert len(hits) == len({place for place, _ in names_of_places})
    best = {}
    for place, name in names_of_places:
        match = "exact" if name == "Lake" else "word" if name == "Old Lake" else "prefix"
        best[place] = min(best.get(place, "word"), match, key=folding.RANKS.get)
    assert {hit.place: hit.match for hit in hits} == best
    orders = [(folding.RANKS[hit.match], -hit.importance) for hit in hits]
    assert orders == sorted(orders)


def test_of_names_matching_alike_the_one_typed_is_shown():
    candidates = [
        *candidate(1, "Karagandy"),
        *candidate(1, "Karaganda", alternate=True),
        *candidate(1, "Караганда", alternate=True),
    ]

    (hit,) = rank("karaganda", candidates, typed=folding.plain("КАРАГАНДА"))
    assert hit.name == "Караганда"
    (hit,) = rank("karaganda", candidates, typed=folding.plain("karaganda"))
    assert hit.name == "Karaganda"
    (hit,) = rank("karag", candidates, typed=folding.plain("karag"))
    assert hit.name == "Karagandy"  # its own name before alternate ones


def test_near_misses_rank_fewer_edits_first():
    candidates = [*candidate(1, "Shakhtinsk"), *candidate(2, "Shakhtinks Bar")]

    hits = rank_near("shakhtinkz", candidates)

    assert [(hit.place, hit.distance) for hit in hits] == [(2, 1), (1, 2)]
    assert {hit.match for hit in hits} == {"near"}


def test_of_alternate_names_alike_the_same_one_is_kept_in_whatever_order_they_come():
    names = ["karaganda", "Karaganda", "KARAGANDA"]

    kept = {tuple(keys_of(["Karagandy"], order)) for order in (names, names[::-1])}

    assert len(kept) == 1
    assert [name for word, key, name, alternate in kept.pop() if alternate] == ["KARAGANDA"]
