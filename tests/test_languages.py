"""The interface in English, Russian and Kazakh: chosen by the browser or the switcher, cached
per language, with complete catalogues; place names and texts stay as written."""

import gettext
import re
import shutil
import subprocess
import sys

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.catalogues import entries, unfinished
from tests.pages import nearby_items, text
from tests.processes import ROOT, bare_environment

LANGUAGES = ("en", "ru", "kk")
# The places list's heading in each language.
ALL_PLACES = {"en": "All places", "ru": "Все места", "kk": "Барлық орындар"}


def get(client, url, language, **headers):
    return client.get(url, headers={"accept-language": language, **headers})


def h1(page):
    return re.search(r"<h1>(.*?)</h1>", page)[1]


@pytest.fixture
def museum(make_place):
    town = make_place(
        "Shakhtīnsk Qalasy", 49.707, 72.593, short_name="Shakhtinsk", kind="area", category="Town"
    )
    museum = make_place("KarLag Museum", 49.679, 72.6855, town=town, country="Kazakhstan")
    museum.sections.create(kind=1, body="Written by a contributor, in English.")
    return museum


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_is_served_by_the_browsers_accept_language(client, db, language):
    response = get(client, "/places/", f"{language},en;q=0.5")
    page = response.content.decode()
    assert h1(page) == ALL_PLACES[language]
    assert f'<html lang="{language}">' in page
    assert response["Content-Language"] == language


def test_an_unknown_language_or_none_gets_english(client, db):
    page = get(client, "/places/", "fr-FR,de;q=0.8").content.decode()
    assert h1(page) == "All places"
    assert '<html lang="en">' in page
    assert h1(client.get("/places/").content.decode()) == "All places"  # as crawlers ask


def test_a_regional_variant_gets_its_language(client, db):
    assert h1(get(client, "/places/", "ru-RU").content.decode()) == "Все места"


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/places/?category=Museum",
        "/places/karlag-museum/",
        "/places/karlag-museum/nearby/",
        "/countries/Kazakhstan/",
        "/nearby/?lat=49.7&lon=72.6",
        "/no-such-page/",
    ],
)
def test_every_page_has_a_switcher_that_returns_to_it(client, museum, url):
    page = get(client, url, "ru").content.decode()
    form = re.search(
        r'<form class="language-switcher" action="/i18n/setlang/" method="post">'
        r"(.*?)</form>",
        page,
        re.S,
    )[1]
    assert f'<input name="next" type="hidden" value="{url.replace("&", "&amp;")}">' in form
    # Each language named in its own, whatever the page's language.
    offered = re.findall(r'name="language" value="(\w+)" lang="\w+"[^>]*>([^<]+)</button>', form)
    assert offered == [("en", "English"), ("ru", "Русский"), ("kk", "Қазақша")]
    assert 'value="ru" lang="ru" aria-current="true"' in form


def test_the_switcher_sets_the_language_and_goes_back_to_the_same_page(client, museum):
    # The form sits on cached pages shared by every visitor, so it carries no CSRF token.
    client.handler.enforce_csrf_checks = True
    back = "/places/?category=Museum"
    response = client.post(
        "/i18n/setlang/", {"language": "kk", "next": back}, headers={"accept-language": "en"}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    assert response.cookies["django_language"].value == "kk"
    # The visitor's choice wins over what the browser asks for.
    page = get(client, back, "en").content.decode()
    assert h1(page) == "Барлық орындар"
    assert 'value="kk" lang="kk" aria-current="true"' in page


def test_the_switcher_refuses_another_sites_address_and_unknown_languages(client, db):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/places/"})
    assert "django_language" not in response.cookies


def test_a_cached_page_is_never_served_in_another_language(client, museum):
    url = museum.get_absolute_url()
    seen = {}
    for language in ("ru", "en", "kk", "ru", "en", "kk"):  # the second round comes from the cache
        response = get(client, url, language)
        assert set(re.split(r",\s*", response["Vary"])) >= {"Accept-Language", "Cookie"}
        page = response.content.decode()
        assert f'<html lang="{language}">' in page
        seen.setdefault(language, page)
        assert page == seen[language]
    assert "Поблизости" in seen["ru"] and "Маңайда" in seen["kk"] and "Nearby" in seen["en"]
    # The switcher's cookie picks the cached page of its language, whatever the browser asks.
    client.cookies["django_language"] = "ru"
    assert get(client, url, "en").content.decode() == seen["ru"]


def test_distances_and_counts_are_written_the_languages_way(client, museum, make_place):
    make_place("Another sight", 49.70, 72.70, category="Museum", country="Kazakhstan")
    expected = {"en": "7.3 km", "ru": "7,3 км", "kk": "7,3 км"}
    for language, distance in expected.items():
        page = get(client, museum.get_absolute_url(), language).content.decode()
        assert ("Shakhtīnsk Qalasy", distance) in nearby_items(page)
    counts = {"en": "3 places match", "ru": "3 места, по алфавиту", "kk": "3 орын, әліпби"}
    for language, count in counts.items():
        assert count in text(get(client, "/places/", language).content.decode())


@pytest.mark.parametrize(
    "language, expected", [("en", "1,000+ 999"), ("ru", "1\xa0000+ 999"), ("kk", "1\xa0000+ 999")]
)
def test_capped_counts_are_grouped_the_languages_way(language, expected):
    page = Template("{% load places_tags %}{{ many|capped_count }} {{ some|capped_count }}")
    with translation.override(language):
        assert page.render(Context({"many": 5000, "some": 999})) == expected


def test_place_names_and_texts_stay_as_contributors_wrote_them(client, museum):
    page = text(get(client, museum.get_absolute_url(), "ru").content.decode())
    assert "KarLag Museum" in page
    assert "Описание Written by a contributor, in English." in page
    assert "Museum, Shakhtinsk, Kazakhstan" in page  # category, town and country as written
    assert "Все места поблизости (Shakhtinsk)" in page


def test_form_labels_and_errors_are_in_the_visitors_language(client, db):
    response = get(client, "/nearby/?lat=91&lon=72.6", "kk")
    page = text(response.content.decode())
    assert response.status_code == 400
    assert "Ендік -90 пен 90 градус аралығында болуы керек" in page
    page = text(get(client, "/places/?town=nowhere", "ru").content.decode())
    assert "Нет опубликованного города или района с адресом «nowhere»." in page


def test_the_api_answers_in_english_whatever_the_browser_asks(client, museum):
    response = get(client, "/api/places/no-such-place/", "ru")
    assert response.status_code == 404
    assert response["Content-Language"] == "en"
    assert not re.search("[а-яА-Я]", response.content.decode())
    detail = get(client, "/api/places/karlag-museum/", "kk").json()
    assert detail["properties"]["sections"][0]["title"] == "Description"
    assert detail["properties"]["subtitle"] == "Museum in Shakhtinsk, Kazakhstan"


def catalogues_after_makemessages(tmp_path, new_template=None):
    """Run makemessages -l ru -l kk on a copy of the sources; the updated catalogues."""
    copy = tmp_path / "site"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("guide", "places", "templates", "locale"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy)
    if new_template:
        (copy / "templates" / "new.html").write_text(new_template)
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "ru", "-l", "kk"],
        cwd=copy,
        env=bare_environment(SECRET_KEY="x"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [copy / "locale" / language / "LC_MESSAGES" / "django.po" for language in ("ru", "kk")]


def test_makemessages_finds_no_untranslated_or_fuzzy_string(tmp_path):
    for catalogue in catalogues_after_makemessages(tmp_path):
        assert unfinished(catalogue) == [], catalogue


def test_a_new_string_without_translation_is_reported(tmp_path):
    new = '{% load i18n %}<p>{% translate "A sentence nobody has translated" %}</p>'
    for catalogue in catalogues_after_makemessages(tmp_path, new_template=new):
        assert unfinished(catalogue) == ["A sentence nobody has translated"]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_the_shipped_compiled_catalogues_match_their_sources(language):
    folder = ROOT / "locale" / language / "LC_MESSAGES"
    with open(folder / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog
    for entry in entries(folder / "django.po"):
        key = f"{entry.context}\x04{entry.msgid}" if entry.context else entry.msgid
        if entry.plural:
            assert [catalogue[(key, n)] for n in range(len(entry.translations))] == (
                entry.translations
            )
        elif entry.msgid:
            assert catalogue[key] == entry.translations[0]
