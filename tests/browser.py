"""Helpers for the browser tests (tests/test_browser.py): Debian's Chromium for Playwright's sync API, a
watch on each page for console errors, page errors and requests off the live server, logging in, and
putting the database back as the module found it."""

from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
# No sandbox (containers, root); no GPU; nothing that phones home on its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOST = "127.0.0.1"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}
ALL_DRAWN = "() => [...document.querySelectorAll('[data-figure]')].every(d => d.dataset.rendered === '1')"


class Watch:
    """What a page did that it should not: console errors, uncaught exceptions, requests off this host.

    Also opens pages on the live server, logging in when the dashboard asks for it (DASHBOARD_PUBLIC off)."""

    def __init__(self, page, site):
        self.page, self.site = page, site
        self.console_errors, self.page_errors, self.requests, self.failed = [], [], [], []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        # The console says only "Failed to load resource: 404"; this says which.
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def _console(self, message):
        if message.type != "error":
            return
        self.console_errors.append(f"{message.text} [{message.location.get('url') or ''}]")

    def foreign_requests(self):
        """Requests to any host but the live server's (data: and blob: URLs stay inside the page)."""
        return [
            url
            for url in self.requests
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname != HOST
        ]

    def assert_clean(self):
        assert not self.console_errors, f"console errors on {self.page.url}: {self.console_errors} {self.failed}"
        assert not self.page_errors, f"uncaught errors on {self.page.url}: {self.page_errors}"
        assert not self.foreign_requests(), f"requests that left {HOST}: {self.foreign_requests()}"

    def open(self, path):
        """Go to `path` (logging in on the way if asked) and wait until every figure is drawn."""
        self.page.goto(self.site.url + path)
        if urlsplit(self.page.url).path.startswith("/accounts/login/"):
            login(self.page, self.site.username, self.site.password)
            assert urlsplit(self.page.url).path == urlsplit(self.site.url + path).path, "the login did not lead back"
        wait_for_figures(self.page)
        return self.page

    def screenshot(self, name):
        """A full-page screenshot, test-artifacts/screenshots/<name>.png."""
        self.page.screenshot(path=self.screenshot_path(name), full_page=True)

    def screenshot_path(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return SCREENSHOTS / f"{name}.png"


def login(page, username, password):
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def wait_for_figures(page, timeout=20_000):
    """Wait until static/js/figures.js has drawn every [data-figure] div (it then sets data-rendered="1")."""
    page.wait_for_load_state("load")
    page.wait_for_function(ALL_DRAWN, timeout=timeout)


def figure_state(page):
    """[(id, data-rendered, whether Plotly made it a .js-plotly-plot)] for every [data-figure] div."""
    return page.eval_on_selector_all(
        "[data-figure]",
        "ds => ds.map(d => [d.id, d.dataset.rendered || '', d.classList.contains('js-plotly-plot')])",
    )


def assert_test_database(connection):
    """Refuse to go on unless `connection` is on a test database (in-memory SQLite or a test_* name)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        ok = connection.is_in_memory_db() or Path(name).name.startswith("test")
    else:
        ok = name.startswith("test")
    assert ok, f"refusing to write demo data to {name!r}: not a test database"


def restore_database(serialized):
    """Empty the database and load back `serialized` (what serialize_db_to_string() gave before the module
    wrote anything), the way Django's serialized_rollback does; then drop every cached gap table.

    History stays off while loading: the serialized rows include the history tables, and a restored
    m2m (Region.predecessors) would otherwise write a history row of its own."""
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from targets import reports

    call_command("flush", interactive=False, verbosity=0, reset_sequences=False, inhibit_post_migrate=True)
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        connection.creation.deserialize_db_from_string(serialized)
    cache.clear()
    reports._memo.update(version=None, tables={})
