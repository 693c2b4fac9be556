"""Search keys: names folded so that whatever case, accents or script a visitor types, the
same name gives the same key, and ranking what a key range finds.

Pure Python with no Django import. A name folds in four steps: Unicode compatibility
decomposition (NFKD) with the combining marks dropped (ё → е, ī → i, й → и), case folding,
the letters of the slugs' tables written in ASCII (places.transliteration: ш → sh, қ → q), and
every run of characters that are not letters or digits made one space. So "Shakhtīnsk",
"SHAKHTINSK" and "shakhtinsk" give "shakhtinsk", "Шахтинск" and "ШАХТИНСК" give "shahtinsk"
(the slug's transliteration: a town is found in Cyrillic through a Cyrillic name of it), and
"Фёдоровское" and "fedorovskoe" give "fedorovskoe". Letters of scripts the tables lack (Chinese,
Hebrew...) stay as they are, case-folded.

A name is stored under several keys: its whole key (word 0), and the key from each later word
on (word n), so that a prefix of any word inside the name finds it ("qalasy" finds "Shakhtīnsk
Qalasy"), up to MAX_WORDS words.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from places.transliteration import transliterate

# Longest key stored or looked up: longer names are cut (a visitor never types that much).
KEY_LENGTH = 200
# Words a name is found from the start of: the whole name and its next words.
MAX_WORDS = 8
# Match classes in rank order.
EXACT, PREFIX, WORD, NEAR = "exact", "prefix", "word", "near"
RANKS = {EXACT: 0, PREFIX: 1, WORD: 2, NEAR: 3}
# A near miss: at most this many edits (insert, delete, change, swap two neighbours) between
# the query and the start of a key; LONG_QUERY letters and more allow two.
LONG_QUERY = 8

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")
# Code points that cannot be encoded (surrogates) or do not exist, skipped by prefix_end.
_SURROGATES = range(0xD800, 0xE000)


# The combining marks of the Basic Multilingual Plane, deleted by str.translate (found once,
# in a few milliseconds; the rare marks beyond it are looked up one by one).
_MARKS = dict.fromkeys(cp for cp in range(0x10000) if unicodedata.combining(chr(cp)))


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    stripped = decomposed.translate(_MARKS)
    if stripped and max(stripped) > "\uffff":
        stripped = "".join(c for c in stripped if not unicodedata.combining(c))
    return stripped


def _folded(text: str) -> str:
    """`text` without marks, case-folded: in its own script still."""
    if text.isascii():
        return text.lower()  # what the steps below make of ASCII, fifty times faster
    # Case folding can make letters that decompose again ("İ".casefold() is "i" with a
    # combining dot): marks are dropped after it too.
    return _without_marks(_without_marks(text).casefold())


def _words(text: str) -> str:
    return _NOT_ALPHANUMERIC.sub(" ", text).strip()


def _key(folded: str) -> str:
    key = _words(folded if folded.isascii() else transliterate(folded))
    return key[:KEY_LENGTH].rstrip()


def fold(text: str) -> str:
    """The search key of a name or a query: "" when nothing searchable is left."""
    return _key(_folded(text))


def name_keys(text: str) -> list[tuple[int, str]]:
    """[(word, key)]: the key of the whole name (word 0), then from each later word on."""
    return _word_keys(fold(text))


def _word_keys(key: str) -> list[tuple[int, str]]:
    if not key:
        return []
    keys = [(0, key)]
    start = 0
    for word in range(1, MAX_WORDS):
        start = key.find(" ", start) + 1
        if not start:
            break
        keys.append((word, key[start:]))
    return keys


def prefix_end(key: str) -> str:
    """The least text greater than every text that starts with `key` (non-empty), in code
    point order: keys starting with `key` are those >= key and < prefix_end(key)."""
    last = ord(key[-1]) + 1
    if last in _SURROGATES:
        last = _SURROGATES.stop
    if last > 0x10FFFF:
        return prefix_end(key[:-1]) if len(key) > 1 else key + "\U0010ffff"
    return key[:-1] + chr(last)


def match_class(query: str, key: str, word: int) -> str | None:
    """How a stored key matches a folded query: the whole name equal, the whole name starting
    with it, a later word (and what follows) starting with it, or not at all."""
    if not key.startswith(query):
        return None
    if word:
        return WORD
    return EXACT if key == query else PREFIX


def near_limit(query: str) -> int:
    """How many edits a near miss may be from the query."""
    return 2 if len(query) >= LONG_QUERY else 1


def near_distance(query: str, key: str) -> int | None:
    """The edits between the query and the start of the key of about the same length (one
    letter fewer or more, for a letter left out or added), or None when that is more than
    near_limit(query). "shakhtinks" is 1 from "shakhtinsk qalasy". The edits are counted as
    the optimal string alignment distance (Damerau-Levenshtein with no part edited twice),
    by rapidfuzz: 0.4 µs a pair where ours in Python took 40 µs, and a near-miss search
    compares a hundred keys."""
    limit = near_limit(query)
    best = min(
        OSA.distance(query, key[:length], score_cutoff=limit)
        for length in range(max(1, len(query) - limit), len(query) + limit + 1)
    )
    return best if best <= limit else None


@dataclass(frozen=True, slots=True)
class Candidate:
    """One stored key of a place that a query's key range found."""

    place: int
    key: str
    word: int
    importance: int
    name: str  # the name as written that gave this key
    alternate: bool  # an alternate name, not the place's name or short name


@dataclass(frozen=True, slots=True)
class Hit:
    """A place a query finds, by its best key."""

    place: int
    match: str  # EXACT, PREFIX, WORD or NEAR
    name: str  # the name that matched
    alternate: bool
    importance: int
    distance: int = 0  # edits, for a near miss


def _order(hit: Hit):
    return (RANKS[hit.match], hit.distance, -hit.importance, hit.name.casefold(), hit.place)


def plain(text: str) -> str:
    """`text` case-folded without marks and punctuation, in its own script: what tells which
    of a place's names a visitor typed ("Караганда", not "Karaganda")."""
    return _words(_folded(text))


def rank(query: str, candidates: Iterable[Candidate], typed: str = "") -> list[Hit]:
    """Each place once, by its best match: exact, then prefix of the whole name, then prefix of
    a later word; within a class the more important first (areas by population, then other
    places), then by the matched name, then by id. Of a place's names that match alike, the
    one written as typed (`typed`: the query made plain()) is shown, else its own name
    before an alternate one."""
    best: dict[int, Hit] = {}
    for candidate in candidates:
        match = match_class(query, candidate.key, candidate.word)
        if match is None:
            continue
        hit = Hit(
            candidate.place,
            match,
            candidate.name,
            candidate.alternate,
            candidate.importance,
        )
        _keep_best(best, hit, typed)
    return sorted(best.values(), key=_order)


def rank_near(query: str, candidates: Iterable[Candidate], typed: str = "") -> list[Hit]:
    """Each place once whose key starts within near_limit(query) edits of the query, fewest
    edits first, then as rank() orders a class."""
    best: dict[int, Hit] = {}
    for candidate in candidates:
        distance = near_distance(query, candidate.key)
        if distance is None:
            continue
        hit = Hit(
            candidate.place,
            NEAR,
            candidate.name,
            candidate.alternate,
            candidate.importance,
            distance,
        )
        _keep_best(best, hit, typed)
    return sorted(best.values(), key=_order)


def _keep_best(best: dict[int, Hit], hit: Hit, typed: str) -> None:
    """Keep the place's better hit: the better class (fewer edits), then the name as typed,
    then its own name before an alternate one, then the first name in order."""
    kept = best.get(hit.place)
    if kept is None or _preference(hit, typed) < _preference(kept, typed):
        best[hit.place] = hit


def _preference(hit: Hit, typed: str):
    # plain() only for the few places with several names in a class: it costs microseconds.
    return (RANKS[hit.match], hit.distance, typed not in plain(hit.name), hit.alternate,
            hit.name.casefold(), hit.name)  # fmt: skip


def keys_of(names: Iterable[str], alternates: Iterable[str]) -> list[tuple[int, str, str, bool]]:
    """[(word, key, name, alternate)] of a place's own names then its alternate names. Names
    that differ only in case, marks or punctuation ("Karaganda", "KARAGANDA", "Karagandá")
    give their keys once, from the first of them (alternate names in code point order, so
    that the one kept is the same whatever order the database returned them in: "Karaganda"
    before "karaganda"); names in another script that fold to the same key ("Караганда") give
    them again, so that search can show the name as typed."""
    seen, keys = set(), []
    for alternate, texts in ((False, names), (True, sorted(alternates))):
        for text in texts:
            folded = _folded(text)
            written = _words(folded)
            for word, key in _word_keys(_key(folded)):
                if (key, word, written) not in seen:
                    seen.add((key, word, written))
                    keys.append((word, key, text, alternate))
    return keys
