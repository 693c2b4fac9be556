"""Debian's Chromium for the tests, through Playwright: `with browse(live_server) as page`, a
fresh browser whose pages fail the test if they report any Content-Security-Policy violation."""

import time
from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # No name resolves but the test server's: pages ask for map tiles from OpenStreetMap, and
    # tests never depend on the network (those that draw maps answer the tiles themselves).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost",
]

# Run in every document before its own scripts: each violation goes to the test (the function
# bound below) as the browser reports it, with what was blocked and where.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.effectiveDirective} refused ${event.blockedURI || "?"} on ${event.documentURI}` +
      ` (${event.sourceFile || "the page"}:${event.lineNumber}) ${event.sample}`
  );
});
"""


@contextmanager
def browse(live_server, **context_options):
    """A page of a fresh browser context (its own permissions), closed with its browser after
    the `with` block, which fails if a page of the context reported a CSP violation (as an
    event, or in the console for what no script sees). The data must exist before: while
    Playwright runs, Django refuses queries in this thread."""
    violations = []

    def report(violation):
        violations.append(violation)

    def read_console(message):
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(base_url=live_server.url, **context_options)
            context.expose_function("reportViolation", report)
            context.add_init_script(REPORT_VIOLATIONS)
            context.on("console", read_console)
            yield context.new_page()
            if context_options.get("java_script_enabled", True):
                for page in context.pages:  # events still queued come in
                    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")
        finally:
            browser.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def wait_for(page, expression, arg=None, timeout=10_000):
    """Waits until the JavaScript expression (or function of `arg`) is true in the page.

    Playwright's page.wait_for_function polls by compiling the expression inside the page,
    which the policy refuses ('unsafe-eval' is not allowed); this asks from outside instead."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} ms: {expression}")
        time.sleep(0.02)
