"""What search engines and link previews read: descriptions, schema.org data, its escaping.

Pure functions, no Django import: the template tags in places/templatetags/seo_tags.py feed
them a page's text and absolute URLs.
"""

import json
import re

DESCRIPTION_LENGTH = 160

# Words that end with a full stop inside a sentence ("Dr. Smith", "ул. Ленина"), lower case.
# Single letters (initials "A. S. Pushkin", "г.", "в.") are never taken for a sentence's end.
ABBREVIATIONS = {
    *("dr", "mr", "mrs", "ms", "prof", "st", "mt", "ft", "jr", "sr", "no", "vs", "etc"),
    *("approx", "ca", "cf", "e.g", "i.e", "km", "sq", "jan", "feb", "aug", "sept", "oct"),
    *("nov", "dec", "gen", "col", "lt", "capt", "rev", "fr"),
    *("ул", "пр", "им", "св", "гг", "вв", "ок", "тыс", "млн", "км", "проф", "д-р", "т.е", "т.д"),
    *("т.п", "т.к", "обл", "р-н", "пос", "дер", "оз", "ж.д", "көш", "ж"),
}
# A sentence ends at . ! ? or … (closing quotes and brackets after it belong to it), before
# white space and a capital letter or digit, perhaps behind an opening quote or bracket.
SENTENCE_END = re.compile(r"""[.!?…]+["'»”’)\]]*(?=\s+["'«“‘(\[]?\w)""")
LAST_WORD = re.compile(r"([\w.-]+)\.$")


def plain(text):
    """White space collapsed to single spaces."""
    return " ".join(text.split())


def first_sentence(text):
    """The text up to the end of its first sentence (all of it when there is one sentence)."""
    text = plain(text)
    for end in SENTENCE_END.finditer(text):
        following = text[end.end() :].lstrip(" \"'«“‘([")
        if not (following[:1].isupper() or following[:1].isdigit()):
            continue
        before = text[: end.end()].rstrip("\"'»”’)]")
        word = LAST_WORD.search(before)
        if word and before.endswith(".") and not before.endswith(".."):
            word = word.group(1)
            if (len(word) == 1 and word.isalpha()) or word.lower() in ABBREVIATIONS:
                continue
        return text[: end.end()]
    return text


def shorten(text, limit=DESCRIPTION_LENGTH):
    """The text, or as many of its first words as fit in `limit` characters with "…"."""
    text = plain(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]  # only whole words
    return cut.rstrip(" ,;:–—-") + "…"


def description(text, fallback=""):
    """A page's meta description: its text's first sentence, or the fallback when the text is
    empty, shortened to about DESCRIPTION_LENGTH characters at a word boundary."""
    return shorten(first_sentence(text) or fallback)


# schema.org types (https://schema.org/Place and its subtypes) for the categories contributors
# use, by lower-case category. Other sights are TouristAttraction; other places, Place.
SCHEMA_TYPES = {
    "museum": "Museum",
    "art gallery": "Museum",
    "gallery": "Museum",
    "park": "Park",
    "national park": "Park",
    "garden": "Park",
    "city": "City",
    "town": "City",
    "monument": "LandmarksOrHistoricalBuildings",
    "memorial": "LandmarksOrHistoricalBuildings",
    "sculpture": "LandmarksOrHistoricalBuildings",
    "castle": "LandmarksOrHistoricalBuildings",
    "industrial heritage": "LandmarksOrHistoricalBuildings",
    "church": "Church",
    "cathedral": "Church",
    "mosque": "Mosque",
    "synagogue": "Synagogue",
    "lake": "LakeBodyOfWater",
    "reservoir": "Reservoir",
    "canal": "Canal",
    "river": "RiverBodyOfWater",
    "mountain": "Mountain",
    "zoo": "Zoo",
    "aquarium": "Aquarium",
    "theatre": "PerformingArtsTheater",
    "theater": "PerformingArtsTheater",
    "palace of culture": "PerformingArtsTheater",
    "stadium": "StadiumOrArena",
    "arena": "StadiumOrArena",
    "ice rink": "IceSkatingRink",
    "beach": "Beach",
    "bridge": "Bridge",
    "railway station": "TrainStation",
    "library": "Library",
    "district": "AdministrativeArea",
    "region": "AdministrativeArea",
    "country": "Country",
}


def schema_type(category, is_sight=True):
    known = SCHEMA_TYPES.get(plain(category).lower())
    return known or ("TouristAttraction" if is_sight else "Place")


def place_data(
    *,
    name,
    category,
    is_sight,
    latitude,
    longitude,
    locality,
    country,
    url,
    description,
    image_url=None,
):
    """schema.org JSON-LD of a place page, as a dict; `url` and `image_url` are absolute."""
    data = {
        "@context": "https://schema.org",
        "@type": schema_type(category, is_sight),
        "name": name,
        "description": description,
        "url": url,
        "geo": {"@type": "GeoCoordinates", "latitude": latitude, "longitude": longitude},
    }
    address = {"addressLocality": locality, "addressCountry": country}
    address = {key: value for key, value in address.items() if value}
    if address:
        data["address"] = {"@type": "PostalAddress", **address}
    if image_url:
        data["image"] = image_url
    return data


# As Django's json_script escapes: no "<" (so no "</script>" nor "<!--"), ">" or "&" in the
# script element, whatever the names hold.
SCRIPT_ESCAPES = str.maketrans({"<": "\\u003C", ">": "\\u003E", "&": "\\u0026"})


def json_for_script(data):
    """JSON that may stand inside a <script> element as it is."""
    return json.dumps(data, ensure_ascii=False).translate(SCRIPT_ESCAPES)
