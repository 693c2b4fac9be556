"""500 cross-site scripting payloads (tests/xss.py) through every text a contributor writes,
in the admin's forms and in import files, rendered in Chromium (reliability battery, item 4):
no payload runs, and none leaves an element or attribute that could run one.

The pages are rendered with the Content-Security-Policy off: the policy would refuse an
injected script a second time, and this measures the first defence, the escaping."""

import csv
import io
import itertools
import json
import re
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client

from places.models import Place, Section
from tests.browser import browse
from tests.test_admin import ADD_URL, new_place_form, png_upload
from tests.test_api import png
from tests.xss import VECTORS, payloads, with_nul

# The texts a contributor writes, with their longest length; sections take the rest.
PLACE_TEXTS = {"name": 200, "short_name": 100, "category": 100, "subtitle": 200, "country": 100}
PHOTO_TEXTS = {"alt_text": 200, "caption": 300, "credit": 200}
OTHER_NAMES = 3
# Places written in the admin (the first is a town, the others lie in it), then imported.
ADMIN_PLACES, CSV_PLACES, GEOJSON_PLACES = 8, 2, 2
PLACES = ADMIN_PLACES + CSV_PLACES + GEOJSON_PLACES

# Run in every page after it loads: what in the DOM could run a script, had it come from a
# contributor's text. The guide's own scripts are files of the site, or JSON data blocks.
SCAN = """() => {
  const found = [];
  const src = (el) => el.getAttribute("src") || "";
  const ours = (el) => src(el).startsWith("/") && !src(el).startsWith("//") && !el.text.trim()
    || ["application/json", "application/ld+json"].includes(el.type);
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    if ((tag === "script" && !ours(el)) || ["iframe", "object", "embed", "base", "frame", "style"]
        .includes(tag) || (tag === "meta" && el.hasAttribute("http-equiv"))) {
      found.push(`<${tag}> ${el.outerHTML.slice(0, 80)}`);
    }
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\s\\x00-\\x1f]/g, "").toLowerCase();
      const url = ["href", "src", "action", "formaction", "data", "xlink:href"].includes(attr.name);
      if (attr.name.startsWith("on") || attr.name === "srcdoc"
          || (url && value.startsWith("javascript:"))) {
        found.push(`${tag} ${attr.name}=${attr.value.slice(0, 60)}`);
      }
    }
  }
  return found;
}"""


def deal(texts):
    """The payloads dealt out to PLACES places: [{field: text}], each plain text (place
    fields, the photo's, the other names) one payload that fits it, the sections the rest."""
    left = list(texts)
    places = [{"sections": {}, "photo": {}, "alternate_names": []} for _ in range(PLACES)]

    def take(longest):
        fitting = next(text for text in left if len(text) <= longest)
        left.remove(fitting)
        return fitting

    for place in places:
        place.update({field: take(longest) for field, longest in PLACE_TEXTS.items()})
        place["photo"] = {field: take(longest) for field, longest in PHOTO_TEXTS.items()}
        place["alternate_names"] = [take(200) for _ in range(OTHER_NAMES)]
    kinds = list(Section.Kind)
    for i, text in enumerate(left):
        place = places[i % PLACES]
        kind = kinds[i // PLACES % len(kinds)].value
        place["sections"][kind] = f"{place['sections'].get(kind, '')}\n\n{text}".strip()
    return places


def admin_form(i, place, town):
    sections = sorted(place["sections"].items())
    return new_place_form(
        **{field: place[field] for field in PLACE_TEXTS},
        slug=f"xss-{i}",
        kind="area" if town is None else "sight",
        town="" if town is None else str(town.pk),
        latitude=str(49.8 + i / 1000),
        **{"sections-TOTAL_FORMS": str(len(sections))},
        **{f"sections-{j}-kind": str(kind) for j, (kind, _) in enumerate(sections)},
        **{f"sections-{j}-body": body for j, (_, body) in enumerate(sections)},
        **{"photos-TOTAL_FORMS": "1", "photos-0-image": png_upload()},
        **{f"photos-0-{field}": text for field, text in place["photo"].items()},
        **{"photos-0-licence": "CC-BY-4.0", "photos-0-position": "0"},
        **{"alternate_names-TOTAL_FORMS": str(OTHER_NAMES)},
        **{f"alternate_names-{j}-name": name for j, name in enumerate(place["alternate_names"])},
    )


def file_record(i, place, image):
    """A place as the import files hold it (GeoJSON's properties, CSV's row before it joins
    the lists)."""
    return {
        **{field: place[field] for field in PLACE_TEXTS},
        "slug": f"xss-{i}",
        "town": "xss-0",
        "status": "published",
        "sections": {Section.Kind(k).name.lower(): body for k, body in place["sections"].items()},
        "alternate_names": place["alternate_names"],
        "photos": [{"image": image, **place["photo"], "licence": "CC-BY-4.0"}],
    }


def write_csv(path, records):
    columns = [*PLACE_TEXTS, "slug", "town", "status", "latitude", "longitude", "alternate_names"]
    columns += [*(kind.name.lower() for kind in Section.Kind), "photos"]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, columns, restval="")
        writer.writeheader()
        for latitude, record in records:
            sections = record.pop("sections")
            writer.writerow(
                {
                    **record,
                    **sections,
                    "latitude": latitude,
                    "longitude": 73.1,
                    "alternate_names": "|".join(record["alternate_names"]),
                    "photos": json.dumps(record["photos"]),
                }
            )


def write_geojson(path, records):
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [73.1, latitude]},
            "properties": record,
        }
        for latitude, record in records
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))


def import_file(path):
    call_command("import_places", str(path), stdout=io.StringIO(), stderr=io.StringIO())


@pytest.fixture
def places_full_of_payloads(contributor_client, editor_client, tmp_path):
    """The payloads in PLACES published places: written by a contributor in the admin's
    form, published by an editor, and imported from a CSV and a GeoJSON file."""
    places = deal(text for _, text in payloads())
    town = None
    for i, place in enumerate(places[:ADMIN_PLACES]):
        response = contributor_client.post(ADD_URL, admin_form(i, place, town))
        assert response.status_code == 302, response.context["errors"]
        town = town or Place.objects.get(slug="xss-0")
    written = Place.objects.filter(slug__startswith="xss-").values_list("pk", flat=True)
    response = editor_client.post(
        "/admin/places/place/", {"action": "publish_selected", "_selected_action": list(written)}
    )
    assert response.status_code == 302
    image = default_storage.save("photos/2026/01/imported.png", png())
    records = [
        (49.8 + i / 1000, file_record(i, place, image))
        for i, place in enumerate(places) if i >= ADMIN_PLACES
    ]  # fmt: skip
    write_csv(tmp_path / "places.csv", records[:CSV_PLACES])
    write_geojson(tmp_path / "places.geojson", records[CSV_PLACES:])
    import_file(tmp_path / "places.csv")
    import_file(tmp_path / "places.geojson")
    assert Place.objects.published().filter(slug__startswith="xss-").count() == PLACES
    return places


def pages(places):
    """The public pages and the admin's that show the payloads."""
    ids = dict(Place.objects.filter(slug__startswith="xss-").values_list("slug", "pk"))
    public = ["/", "/places/", "/places/?town=xss-0", "/search/?q=xss", "/search/?q=script"]
    public += [f"/places/xss-{i}/" for i in range(PLACES)]
    public += ["/places/xss-0/nearby/", "/places/xss-1/nearby/?category=" + places[1]["category"]]
    public += [f"/countries/{places[i]['country']}/" for i in range(3)]
    admin = ["/admin/places/place/", "/admin/places/place/?q=xss"]
    for pk in ids.values():
        admin += [f"/admin/places/place/{pk}/change/", f"/admin/places/place/{pk}/history/"]
    return public, admin


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_payload_runs_in_any_page_that_shows_it(
    live_server, places_full_of_payloads, contributor
):
    public, admin = pages(places_full_of_payloads)
    assert (len(public), len(admin)) == (22, 26)  # as docs/reliability.md counts them
    session = Client()
    session.force_login(contributor)
    ran, dialogs, injected, shown = [], [], [], set()
    with browse(live_server, bypass_csp=True) as page:
        page.context.expose_function("__xss", lambda n: ran.append(n))
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in public:
            page.goto(quote(path, safe="/?=&"))
            injected += [f"{path}: {found}" for found in page.evaluate(SCAN)]
            shown.add(page.content())
        # The header's search box: suggestions built in the page from the API's answers.
        page.locator("#search-q").press_sequentially("xss")
        page.wait_for_selector("#search-suggestions [role=option]")
        injected += page.evaluate(SCAN)
        cookie = session.cookies["sessionid"].value
        page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        for path in admin:
            page.goto(path)
            injected += [f"{path}: {found}" for found in page.evaluate(SCAN)]
            shown.add(page.content())

    assert ran == [] and dialogs == []
    assert injected == []
    # Every payload was in a page (as text: escaped, or in a form's field), not left out.
    assert set(map(int, re.findall(r"__xss\((\d+)\)", "".join(shown)))) == set(range(1, 501))


def place_of(texts):
    """A place whose every text is one of `texts`, taken in turn."""
    texts = itertools.cycle(texts)
    return {
        **{field: next(texts) for field in PLACE_TEXTS},
        "photo": {field: next(texts) for field in PHOTO_TEXTS},
        "alternate_names": [next(texts) for _ in range(OTHER_NAMES)],
        "sections": {kind.value: next(texts) for kind in Section.Kind},
    }


@pytest.mark.django_db
def test_payloads_holding_a_nul_are_refused_by_the_form_and_the_import(
    contributor_client, tmp_path
):
    """Each vector with a NUL character inside its first tag (tests/xss.py with_nul), in
    every text of a place at once: the form names each field, the import refuses the file."""
    nul_payloads = [with_nul(text) for _, text in payloads()[: len(VECTORS)]]
    fields = len(PLACE_TEXTS) + len(PHOTO_TEXTS) + OTHER_NAMES + len(Section.Kind)
    for start in range(0, len(nul_payloads), fields):
        place = place_of(nul_payloads[start:] + nul_payloads[:start])
        page = contributor_client.post(ADD_URL, admin_form(0, place, None)).content.decode()
        assert page.count("Null characters are not allowed.") == fields
    write_csv(tmp_path / "places.csv", [(49.8, file_record(0, place, "photos/x.png"))])
    with pytest.raises(CommandError, match="line 2: ") as refused:
        import_file(tmp_path / "places.csv")
    assert str(refused.value).count("Null characters are not allowed.") == fields
    assert not Place.objects.exists()
