"""The visitors of a fault run (bench/faults.py): a steady load over the site's pages and API
answers, each request logged with its times, status and whether its body is the real page;
and an admin login through its form, as a person makes it."""

import http.client
import itertools
import json
import random
import re
import threading
import time
import urllib.request
from http.cookiejar import CookieJar
from urllib.parse import urlencode, urlsplit

HTML_KINDS = {"place", "nearby", "search", "list", "home"}
MIX = [("place", 35), ("nearby", 10), ("search", 10), ("list", 5), ("home", 5)]
MIX += [("api-place", 15), ("api-nearby", 10), ("api-search", 10)]
FIELDS = ("request", "kind", "path", "start", "end", "status", "ok", "note")


class Load:
    """A steady load over the URL mix; one record per request."""

    def __init__(self, base, urls, threads, rate):
        self.base, self.urls, self.threads, self.rate = urlsplit(base), urls, threads, rate
        self.records, self.stopping, self.ids = [], threading.Event(), itertools.count(1)
        self.pool = [threading.Thread(target=self.send, args=(n,)) for n in range(threads)]

    def start(self):
        self.started = time.monotonic()
        for thread in self.pool:
            thread.start()

    def stop(self):
        self.stopping.set()
        for thread in self.pool:
            thread.join()

    def send(self, number):
        chooser = random.Random(number)
        kinds, weights = zip(*MIX, strict=True)
        interval = self.threads / self.rate
        connection = http.client.HTTPConnection(self.base.hostname, self.base.port, timeout=30)
        due = time.monotonic()
        while not self.stopping.is_set():
            due = max(due + interval, time.monotonic() - interval)
            time.sleep(max(0.0, due - time.monotonic()))
            kind = chooser.choices(kinds, weights)[0]
            path, marker = chooser.choice(self.urls[kind])
            request, note, status, real = next(self.ids), "", 0, False
            start = time.monotonic()
            try:
                # no-cache: nginx passes every request to the site (deploy/nginx-site.conf.in),
                # whose processes, database and cache are what the faults strike.
                headers = {"X-Request-Id": str(request), "Cache-Control": "no-cache"}
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body, status = response.read(), response.status
                real = status == 200 and is_real(kind, response, body, marker)
                if status == 503 and not response.getheader("Retry-After"):
                    note = "no Retry-After"
            except (OSError, http.client.HTTPException) as error:
                note = type(error).__name__
                connection.close()
            values = (request, kind, path, start, time.monotonic(), status, real, note)
            self.records.append(dict(zip(FIELDS, values, strict=True)))


def is_real(kind, response, body, marker):
    """The page or answer asked for, not an error page."""
    if kind.startswith("api-"):
        try:
            return json.loads(body)["type"] in ("Feature", "FeatureCollection")
        except (ValueError, KeyError, TypeError):
            return False
    html = body.decode()
    return "text/html" in response.headers["Content-Type"] and "<h1" in html and marker in html


def url_mix(base):
    """Paths for each kind of request, from the site's sitemap and its API, with the text that
    marks each real answer."""

    def get(path):
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.read().decode()

    locations, places = re.findall(r"<loc>([^<]+)</loc>", get("/sitemap.xml")), []
    for location in locations:
        file = urlsplit(location)._replace(scheme="", netloc="").geturl()
        for page in re.findall(r"<loc>([^<]+)</loc>", get(file)):
            if re.fullmatch(r"/places/[\w-]+/", urlsplit(page).path):
                places.append(urlsplit(page).path)
    assert places, "no place in the sitemap"
    slugs = [path.split("/")[2] for path in places[:20]]
    points = [json.loads(get(f"/api/places/{slug}/"))["geometry"]["coordinates"] for slug in slugs]
    words = sorted({slug.split("-")[0] for slug in slugs})
    return {
        "place": [(f"/places/{slug}/", f"/places/{slug}/") for slug in slugs],
        "nearby": [(f"/places/{slug}/nearby/", f"/places/{slug}/") for slug in slugs],
        "search": [(f"/search/?q={word}", "<h1") for word in words],
        "list": [("/places/", "<h1")],
        "home": [("/", "<h1")],
        "api-place": [(f"/api/places/{slug}/", "") for slug in slugs],
        "api-nearby": [(f"/api/nearby/?lat={y}&lon={x}", "") for x, y in points],
        "api-search": [(f"/api/search/?q={word}", "") for word in words],
    }


def log_in(base, username, password):
    """Log in through the admin's login form as a person does; True when the admin opens."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    try:
        form = opener.open(f"{base}/admin/login/?next=/admin/", timeout=30).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        fields = {"csrfmiddlewaretoken": token, "username": username, "password": password}
        data = urlencode({**fields, "next": "/admin/"}).encode()
        answer = opener.open(f"{base}/admin/login/?next=/admin/", data=data, timeout=30)
        return (
            urlsplit(answer.geturl()).path == "/admin/"
            and 'id="logout-form"' in answer.read().decode()
        )
    except (OSError, AttributeError):
        return False
