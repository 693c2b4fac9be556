"""How a map with many markers behaves in Chromium: prints figures.

Not a test. Run from the repository root:  .venv/bin/python bench/maps.py [--sizes 200 1000 5000]

For each size, a page like the guide's (static/css/site.css and map.css, the vendored Leaflet
and Leaflet.markercluster, static/js/map.js) is given that many places scattered over about
60 × 80 km, with the data block places.maps makes, and opened in Debian's Chromium
(/usr/bin/chromium) with a stand-in tile for every tile, with clusters (as the pages draw
more than 50 markers) and without. Prints, as medians over --runs:
- draw: milliseconds from the start of map.js's work (DOMContentLoaded) to the first frame
  with every place on the map, in a cluster or on its own (clusters are added in chunks);
- elements: the marker and cluster elements on the map once drawn (what the browser lays
  out and paints, whatever the number of places);
- drag: the frames per second and the longest frame while the map is dragged for a second
  (at 60 Hz a frame is 16.7 ms; a smooth map stays near both).
"""

import argparse
import io
import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STATIC = ROOT / "static"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="stylesheet" href="{static}/css/site.css">
<link rel="stylesheet" href="{static}/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="{static}/vendor/leaflet.markercluster/MarkerCluster.css">
<link rel="stylesheet" href="{static}/vendor/leaflet.markercluster/MarkerCluster.Default.css">
<link rel="stylesheet" href="{static}/css/map.css">
<script src="{static}/vendor/leaflet/leaflet.js"></script>
<script src="{static}/vendor/leaflet.markercluster/leaflet.markercluster.js"></script>
<script src="start.js"></script>
<script src="{static}/js/map.js"></script>
</head><body><main class="page">
<div class="map" role="region" aria-label="Map" data-map="map-data"></div>
<script id="map-data" type="application/json">{data}</script>
</main></body></html>"""
# Registered before map.js's own DOMContentLoaded listener, so it runs just before it; then
# checks every frame whether every place is on the map: the clusters' counts and the single
# markers add up.
START = """document.addEventListener('DOMContentLoaded', () => {
  performance.mark('map-start');
  const n = JSON.parse(document.getElementById('map-data').textContent).places.length;
  function check() {
    const clusters = [...document.querySelectorAll('.marker-cluster')]
      .reduce((sum, c) => sum + Number(c.innerText), 0);
    const single = document.querySelectorAll(
      '.leaflet-marker-pane .map-marker-sight, .leaflet-marker-pane .map-marker-area').length;
    if (clusters + single === n) performance.mark('map-done'); else requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
});"""
DRAWN = "performance.getEntriesByName('map-done').length > 0"
DRAW_MS = "performance.measure('draw', 'map-start', 'map-done').duration"
FRAMES = """() => new Promise(done => {
  const times = [];
  function frame(t) { times.push(t); if (t - times[0] < 1000) requestAnimationFrame(frame);
    else done(times); }
  requestAnimationFrame(frame);
})"""


def map_data(count, cluster, seed=1):
    rng = random.Random(seed)
    places = [
        {
            "name": f"Place {i}",
            "url": f"/places/place-{i}/",
            "kind": "area" if i % 10 == 0 else "sight",
            "category": "Museum",
            "lat": 49.8 + rng.uniform(-0.3, 0.3),
            "lon": 73.1 + rng.uniform(-0.55, 0.55),
        }
        for i in range(count)
    ]
    here = {"name": "Here", "url": "/places/here/", "kind": "sight", "category": "Museum"}
    return {
        "tiles": {"url": "https://tiles.invalid/{z}/{x}/{y}.png", "attribution": "Stand-in"},
        "controls": {"zoomIn": "Zoom in", "zoomOut": "Zoom out"},
        "here": {**here, "lat": 49.8, "lon": 73.1, "label": "This place"},
        "places": places,
        "kinds": {"sight": "Sight", "area": "Town or district"},
        "cluster": cluster,
    }


def tile():
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (226, 232, 224)).save(buffer, "PNG")
    return buffer.getvalue()


def measure(browser, folder, count, cluster):
    data = json.dumps(map_data(count, cluster)).replace("<", "\\u003c")
    page_file = folder / f"map-{count}-{cluster}.html"
    page_file.write_text(PAGE.format(static=STATIC.as_uri(), data=data))
    page = browser.new_page(viewport={"width": 900, "height": 800})
    png = tile()
    page.route("https://tiles.invalid/**", lambda route: route.fulfill(body=png))
    page.goto(page_file.as_uri())
    page.wait_for_function(DRAWN, timeout=60000)
    draw = page.evaluate(DRAW_MS)
    elements = page.locator(".leaflet-marker-pane > *").count()

    box = page.locator(".map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    frames = page.evaluate_handle(FRAMES)
    for step in range(60):  # a slow circle-ish drag, for about a second
        page.mouse.move(x + 150 * ((step % 20) / 20 - 0.5), y + 100 * ((step % 15) / 15 - 0.5))
        page.wait_for_timeout(16)
    times = frames.json_value()
    page.mouse.up()
    page.close()
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return draw, elements, len(gaps) / ((times[-1] - times[0]) / 1000), max(gaps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    print("places  clusters  draw ms  elements  drag fps  longest frame ms")
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as folder:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        (Path(folder) / "start.js").write_text(START)
        for count in options.sizes:
            for cluster in (True, False):
                runs = [measure(browser, Path(folder), count, cluster) for _ in range(options.runs)]
                draw, elements, fps, longest = (
                    statistics.median(run[i] for run in runs) for i in range(4)
                )
                print(
                    f"{count:6}  {'yes' if cluster else 'no':>8}  {draw:7.0f}  {elements:8.0f}"
                    f"  {fps:8.0f}  {longest:16.0f}"
                )
                sys.stdout.flush()
        browser.close()


if __name__ == "__main__":
    main()
