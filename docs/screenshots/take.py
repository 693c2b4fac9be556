"""Takes the README's screenshots of pages (a place, a town, the places list, the search
suggestions, a place's history in the admin, a preview and the review queue) from the demo
data.

    .venv/bin/python docs/screenshots/take.py

It migrates a temporary SQLite database, loads the demo into it, serves it with runserver on a
free port and photographs the pages in Chromium (Playwright), as a visitor sees them.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(database):
    env = {**os.environ, "DEBUG": "true", "ENV_FILE": "", "DATABASE_URL": f"sqlite:///{database}"}
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "-v0"], ["load_demo", "--demo-account"]):
        subprocess.run(manage + command, env=env, check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the development server did not start")


def log_in(page, account):
    """Log into the admin as one of the demo's accounts (its password is its name)."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", account)
    page.fill("#id_password", account)
    page.click("input[type=submit]")


def open_in_admin(page, name):
    """Open a place's form from the admin's list, found by its name."""
    page.goto(f"/admin/places/place/?q={name}")
    page.click(f"text={name}")


def take(url):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless"])
        page = browser.new_page(base_url=url, viewport={"width": 1000, "height": 1400})
        page.goto("/places/karlag-museum/")
        page.screenshot(path=HERE / "place-page.png")

        page.set_viewport_size({"width": 900, "height": 900})
        page.goto("/places/?country=Kazakhstan&kind=sight")
        page.screenshot(path=HERE / "places-list.png")

        page.set_viewport_size({"width": 900, "height": 1240})
        page.goto("/places/shakhtinsk-qalasy/")
        page.screenshot(path=HERE / "town-page.png")

        page.set_viewport_size({"width": 900, "height": 420})
        page.goto("/places/karlag-museum/")
        page.locator("#search-q").press_sequentially("kara")
        page.wait_for_selector("#search-suggestions [role=option]")
        page.keyboard.press("ArrowDown")
        page.screenshot(path=HERE / "search-suggestions.png")

        # A contributor's edit of a section, as its history shows it.
        page.set_viewport_size({"width": 1000, "height": 700})
        log_in(page, "contributor")
        open_in_admin(page, "KarLag Museum")
        body = page.locator("textarea[name$='-body']").first
        body.fill(body.input_value().replace("former", "one-time", 1).replace(".", "!", 1))
        page.click("input[name=_continue]")
        page.click("a.historylink")
        page.locator(".version").first.screenshot(path=HERE / "admin-history.png")

        # The review: an editor takes the zoo off the site, the contributor sends it back for
        # review and previews it, the editor finds it in the queue.
        editor = browser.new_page(base_url=url, viewport={"width": 1000, "height": 520})
        log_in(editor, "editor")
        open_in_admin(editor, "Karagandy Zoo")
        editor.click("input[name=_unpublish]")
        editor.wait_for_selector(".messagelist .success")

        open_in_admin(page, "Karagandy Zoo")
        page.click("input[name=_submit]")
        page.wait_for_selector(".messagelist .success")
        page.set_viewport_size({"width": 1000, "height": 760})
        page.goto("/places/karagandy-zoo/")
        page.screenshot(path=HERE / "preview.png")

        editor.goto("/admin/places/reviewqueue/")
        editor.screenshot(path=HERE / "review-queue.png")
        browser.close()


def main():
    with tempfile.TemporaryDirectory() as folder:
        server, url = serve(Path(folder) / "demo.sqlite3")
        try:
            take(url)
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
