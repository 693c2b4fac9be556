"""ASCII slugs from names in any script, made as the admin's slug field makes them.

Pure Python with no Django import. The letter tables follow Django admin's `urlify.js`, so a
place imported from a file gets the slug a contributor typing its name would have got
("Парк Долинки" → "park-dolinki"); Kazakh letters, which `urlify.js` drops, are added.
"""

import hashlib
import re
import unicodedata

# Django admin's urlify.js tables, merged in its order (later tables win), then Kazakh.
_LETTERS = {
    # Latin
    "À": "A", "Á": "A", "Â": "A", "Ã": "A", "Ä": "A", "Å": "A", "Æ": "AE", "Ç": "C", "È": "E",
    "É": "E", "Ê": "E", "Ë": "E", "Ì": "I", "Í": "I", "Î": "I", "Ï": "I", "Ð": "D", "Ñ": "N",
    "Ò": "O", "Ó": "O", "Ô": "O", "Õ": "O", "Ö": "O", "Ő": "O", "Ø": "O", "Ù": "U", "Ú": "U",
    "Û": "U", "Ü": "U", "Ű": "U", "Ý": "Y", "Þ": "TH", "Ÿ": "Y", "ß": "ss", "à": "a", "á": "a",
    "â": "a", "ã": "a", "ä": "a", "å": "a", "æ": "ae", "ç": "c", "è": "e", "é": "e", "ê": "e",
    "ë": "e", "ì": "i", "í": "i", "î": "i", "ï": "i", "ð": "d", "ñ": "n", "ò": "o", "ó": "o",
    "ô": "o", "õ": "o", "ö": "o", "ő": "o", "ø": "o", "ù": "u", "ú": "u", "û": "u", "ü": "u",
    "ű": "u", "ý": "y", "þ": "th", "ÿ": "y",
    "©": "(c)",
    # Greek
    "α": "a", "β": "b", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "h", "θ": "8", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "3", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "τ": "t", "υ": "y", "φ": "f", "χ": "x", "ψ": "ps", "ω": "w", "ά": "a", "έ": "e", "ί": "i",
    "ό": "o", "ύ": "y", "ή": "h", "ώ": "w", "ς": "s", "ϊ": "i", "ΰ": "y", "ϋ": "y", "ΐ": "i",
    "Α": "A", "Β": "B", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "H", "Θ": "8", "Ι": "I",
    "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "3", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S",
    "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "X", "Ψ": "PS", "Ω": "W", "Ά": "A", "Έ": "E", "Ί": "I",
    "Ό": "O", "Ύ": "Y", "Ή": "H", "Ώ": "W", "Ϊ": "I", "Ϋ": "Y",
    # Turkish and Romanian
    "ş": "s", "Ş": "S", "ı": "i", "İ": "I", "ğ": "g", "Ğ": "G",
    "ă": "a", "ș": "s", "ț": "t", "Ă": "A", "Ș": "S", "Ț": "T",
    # Russian
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "j", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sh",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "Yo", "Ж": "Zh", "З": "Z",
    "И": "I", "Й": "J", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R",
    "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "H", "Ц": "C", "Ч": "Ch", "Ш": "Sh", "Щ": "Sh",
    "Ъ": "", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "Yu", "Я": "Ya",
    # Ukrainian
    "Є": "Ye", "І": "I", "Ї": "Yi", "Ґ": "G", "є": "ye", "і": "i", "ї": "yi", "ґ": "g",
    # Czech, Slovak, Polish, Latvian, Lithuanian
    "č": "c", "ď": "d", "ě": "e", "ň": "n", "ř": "r", "š": "s", "ť": "t", "ů": "u", "ž": "z",
    "Č": "C", "Ď": "D", "Ě": "E", "Ň": "N", "Ř": "R", "Š": "S", "Ť": "T", "Ů": "U", "Ž": "Z",
    "ľ": "l", "ĺ": "l", "ŕ": "r", "Ľ": "L", "Ĺ": "L", "Ŕ": "R",
    "ą": "a", "ć": "c", "ę": "e", "ł": "l", "ń": "n", "ś": "s", "ź": "z", "ż": "z",
    "Ą": "A", "Ć": "C", "Ę": "E", "Ł": "L", "Ń": "N", "Ś": "S", "Ź": "Z", "Ż": "Z",
    "ā": "a", "ē": "e", "ģ": "g", "ī": "i", "ķ": "k", "ļ": "l", "ņ": "n", "ū": "u",
    "Ā": "A", "Ē": "E", "Ģ": "G", "Ī": "I", "Ķ": "K", "Ļ": "L", "Ņ": "N", "Ū": "U",
    "ė": "e", "į": "i", "ų": "u", "Ė": "E", "Į": "I", "Ų": "U",
    # Arabic
    "أ": "a", "ب": "b", "ت": "t", "ث": "th", "ج": "g", "ح": "h", "خ": "kh", "د": "d", "ذ": "th",
    "ر": "r", "ز": "z", "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "th", "ع": "aa",
    "غ": "gh", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "o",
    "ي": "y",
    # Serbian and Azerbaijani
    "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "đ": "dj", "Ђ": "Dj",
    "Ј": "j", "Љ": "Lj", "Њ": "Nj", "Ћ": "C", "Џ": "Dz", "Đ": "Dj", "ə": "e", "Ə": "E",
    # Georgian
    "ა": "a", "ბ": "b", "გ": "g", "დ": "d", "ე": "e", "ვ": "v", "ზ": "z", "თ": "t", "ი": "i",
    "კ": "k", "ლ": "l", "მ": "m", "ნ": "n", "ო": "o", "პ": "p", "ჟ": "j", "რ": "r", "ს": "s",
    "ტ": "t", "უ": "u", "ფ": "f", "ქ": "q", "ღ": "g", "ყ": "y", "შ": "sh", "ჩ": "ch", "ც": "c",
    "ძ": "dz", "წ": "w", "ჭ": "ch", "ხ": "x", "ჯ": "j", "ჰ": "h",
    # Kazakh Cyrillic (not in urlify.js, which drops these letters)
    "ә": "a", "ғ": "g", "қ": "q", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
    "Ә": "A", "Ғ": "G", "Қ": "Q", "Ң": "N", "Ө": "O", "Ұ": "U", "Ү": "U", "Һ": "H",
}  # fmt: skip
_TABLE = str.maketrans(_LETTERS)
_NOT_SLUG = re.compile(r"[^\w\s-]", re.ASCII)
_SEPARATORS = re.compile(r"[-\s]+")


def transliterate(text: str) -> str:
    """`text` with the letters of the tables above written in ASCII (others unchanged): the
    slugs' letters, which search keys (places.folding) use too."""
    return text.translate(_TABLE)


def ascii_slug(text: str, max_length: int = 200) -> str:
    """A lowercase ASCII slug for `text`, never empty and at most `max_length` characters.

    Letters in the tables are transliterated, other accented letters lose their accents;
    a name with nothing left (e.g. in Chinese script) gets a stable "place-<hash>" slug.
    """
    if text.isascii():  # nothing to transliterate (the tables hold no ASCII letter)
        ascii_text = text
    else:
        ascii_text = (
            unicodedata.normalize("NFKD", transliterate(text))
            .encode("ascii", "ignore")
            .decode("ascii")
        )
    slug = _SEPARATORS.sub("-", _NOT_SLUG.sub("", ascii_text.lower())).strip("-_")
    slug = slug[:max_length].rstrip("-_")
    if not slug:
        slug = "place-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
    return slug


def unique_slug(base: str, taken: set[str], next_suffix: dict[str, int], max_length: int) -> str:
    """`base`, or `base-2`, `base-3`... whichever is first not in `taken`; adds it to `taken`.

    `next_suffix` remembers where each base got to, so that many places of one name cost one
    probe each rather than one per namesake.
    """
    slug, number = base, next_suffix.get(base, 2)
    while slug in taken:
        suffix = f"-{number}"
        slug = base[: max_length - len(suffix)].rstrip("-_") + suffix
        number += 1
    next_suffix[base] = number
    taken.add(slug)
    return slug
