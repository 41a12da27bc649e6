"""Shared Playwright end-to-end harness: the real app in a real (offline) Chromium.

Small on purpose. Everything a browser test needs:

``running_app(database_url, env=None, *, secrets_file=None, extra_args=(), timeout=120, port=None)``
    Context manager. Starts ``.venv/bin/streamlit run app.py`` on a free port (or ``port``,
    e.g. from ``free_port()`` when a redirect URI must name it beforehand)
    (headless, cwd = project root, ``DATABASE_URL`` = the given store, plus ``env``),
    waits until ``/_stcore/health`` answers and yields an ``AppServer`` with
    ``.base_url`` (``http://localhost:<port>``), ``.port`` and ``.log_path``. Stops the
    process group afterwards. ``secrets_file`` is passed as ``--secrets.files`` so that
    no secrets file is ever written inside the repository.

``chromium()``
    Context manager yielding a Playwright ``Browser``: the Debian build
    (``/usr/bin/chromium``), headless, with the offline flags in ``CHROMIUM_ARGS``.

``watched_page(browser, *, allowed_hosts=LOCAL_HOSTS)``
    Context manager yielding a ``WatchedPage``: ``.page`` is a fresh page (own context:
    own cookies) on which every request to a host outside ``allowed_hosts`` is ABORTED
    and recorded in ``.blocked``; console errors and uncaught page errors go to
    ``.console_errors``, failed requests and HTTP >= 400 responses to ``.failed_requests``.
    ``.problems()`` lists all of them in one list of strings (empty = clean);
    ``.reset()`` forgets what was recorded so far (e.g. between pages).

``wait_for_app(page, timeout=60_000)``
    Waits until Streamlit finished its script run: ``stApp`` present, connected,
    script state ``notRunning`` and no "Running..." status widget, stable for a moment.

``SETTLED_JS``
    The JS predicate used by ``wait_for_app`` (for timing: ``page.wait_for_function``).

``login(page, base_url, username, password)``
    Local-account login through the real form (Spanish UI); returns when the
    logged-in shell (sidebar with the log-out button) is shown.

``click_nav(page, url_path_or_title)`` / ``nav_links(page)``
    Goes to a page through the sidebar navigation, in the same Streamlit session (a
    local login lives in the session: a fresh ``page.goto`` would log out). The default
    page's link points at ``/``: reach it by its title. ``click_nav`` returns the seconds
    from the click to the end of the page's script run.

``arm_run_watch(page)`` / ``wait_run_done(page)``
    Wait for the script run caused by your next action (e.g. a widget change): arm, act,
    wait; no race with the previous run's "not running" state.

``goto_page(page, base_url, url_path, query=None)``
    Opens ``<base_url>/<url_path>`` (the ``url_path`` of ``app.PAGES``) in a NEW Streamlit
    session and waits for it (OIDC logins survive it: they live in a cookie).

``page_errors(page)``
    Texts of the Streamlit exception elements and error alerts shown on the page.

``screenshot(page, name)``
    Full-page PNG in ``tests/artifacts/`` (git-ignored); returns its path.

Pytest fixtures built on these live in ``tests/browser/conftest.py``: ``chromium_browser``
(one Chromium per session), ``e2e_demo`` (a writable demo store with the real DANE
boundaries, ``.url``, ``.accounts`` = {username: (role, password)}) and ``demo_app`` (the
app serving it). Mark browser tests ``@pytest.mark.browser``. Typical test::

    @pytest.mark.browser
    def test_something(e2e_demo, demo_app, chromium_browser):
        role, password = e2e_demo.accounts["analista"]
        with h.watched_page(chromium_browser) as w:
            h.login(w.page, demo_app.base_url, "analista", password)
            h.click_nav(w.page, "mapa")
            assert not h.page_errors(w.page) and not w.problems()
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

__all__ = [
    "ARTIFACTS",
    "CHROMIUM_ARGS",
    "LOCAL_HOSTS",
    "NAV_LINK_SELECTOR",
    "ROOT",
    "SETTLED_JS",
    "AppServer",
    "WatchedPage",
    "chromium",
    "arm_run_watch",
    "click_nav",
    "free_port",
    "goto_page",
    "login",
    "nav_links",
    "page_errors",
    "running_app",
    "screenshot",
    "wait_for_app",
    "wait_run_done",
    "watched_page",
]


# ------------------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class AppServer:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://localhost:{self.port}"

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _streamlit_cmd() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "streamlit"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def running_app(
    database_url: str,
    env: Mapping[str, str] | None = None,
    *,
    secrets_file: str | os.PathLike | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 120,
    port: int | None = None,
) -> Iterator[AppServer]:
    """Run the real app on a free port (or ``port``) until the block ends (see module docstring)."""
    port = port or free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    cmd = [
        *_streamlit_cmd(), "run", "app.py",
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    if secrets_file is not None:
        cmd += ["--secrets.files", str(secrets_file)]
    cmd += list(extra_args)
    proc_env = dict(os.environ)
    proc_env["DATABASE_URL"] = database_url
    proc_env.update(env or {})
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=proc_env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = AppServer(port=port, process=proc, log_path=log_path)
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(port):
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer within {timeout}s:\n{server.log_tail()}")
            time.sleep(0.3)
        yield server
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# ----------------------------------------------------------------------------- browser


@contextlib.contextmanager
def chromium(headless: bool = True):
    """The Debian Chromium driven by Playwright; closed (with Playwright) afterwards.

    Playwright's sync API allows one instance per thread at a time, so a nested call (a
    test inside a session that already holds the ``chromium_browser`` fixture) shares the
    open browser instead of starting a second Playwright.
    """
    if _OPEN_BROWSER:
        yield _OPEN_BROWSER[-1]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM_PATH, headless=headless, args=CHROMIUM_ARGS)
        _OPEN_BROWSER.append(browser)
        try:
            yield browser
        finally:
            _OPEN_BROWSER.remove(browser)
            browser.close()


_OPEN_BROWSER: list = []


def _is_local(url: str, allowed_hosts: frozenset[str]) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about", "chrome", "chrome-extension"):
        return True
    return (parts.hostname or "") in allowed_hosts


@dataclass
class WatchedPage:
    page: object  # playwright.sync_api.Page
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    aborted_requests: list[str] = field(default_factory=list)  # cancelled by navigation: not a problem

    def reset(self) -> None:
        self.blocked.clear()
        self.console_errors.clear()
        self.failed_requests.clear()
        self.aborted_requests.clear()

    def problems(self) -> list[str]:
        return (
            [f"request to the outside (blocked): {u}" for u in self.blocked]
            + [f"console error: {e}" for e in self.console_errors]
            + [f"failed request: {r}" for r in self.failed_requests]
        )


@contextlib.contextmanager
def watched_page(browser, *, allowed_hosts: frozenset[str] = LOCAL_HOSTS,
                 viewport: tuple[int, int] = (1400, 1000)) -> Iterator[WatchedPage]:
    """A fresh page that reaches only ``allowed_hosts`` and records every problem."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  locale="es-CO", timezone_id="America/Bogota")
    page = context.new_page()
    watch = WatchedPage(page=page)
    blocked_urls: set[str] = set()

    def route(route) -> None:
        url = route.request.url
        if _is_local(url, allowed_hosts):
            route.continue_()
        else:
            blocked_urls.add(url)
            watch.blocked.append(url)
            route.abort("blockedbyclient")

    def on_console(msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            watch.console_errors.append(f"{msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    def on_request_failed(request) -> None:
        if request.url in blocked_urls:
            return
        failure = request.failure or ""
        if "ERR_ABORTED" in failure:
            watch.aborted_requests.append(f"{request.url} {failure}")
        else:
            watch.failed_requests.append(f"{request.method} {request.url} {failure}")

    def on_response(response) -> None:
        if response.status >= 400:
            watch.failed_requests.append(f"{response.request.method} {response.url} HTTP {response.status}")

    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: watch.console_errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    try:
        yield watch
    finally:
        context.close()


# -------------------------------------------------------------------------- the app UI

SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const conn = app.getAttribute('data-test-connection-state');
  if (conn && conn !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"], [data-testid="stStatusWidgetRunningManIcon"]')) return false;
  const sw = document.querySelector('[data-testid="stStatusWidget"]');
  if (sw && /Running|Ejecutando/.test(sw.innerText || '')) return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  return true;
}"""


def wait_for_app(page, timeout: float = 60_000, settle_ms: int = 400) -> None:
    """Wait until Streamlit's script run finished and the page stays settled ``settle_ms``."""
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_selector('[data-testid="stApp"]', state="attached", timeout=timeout)
    while True:
        remaining = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_function(SETTLED_JS, timeout=remaining, polling=100)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(SETTLED_JS):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the Streamlit run did not settle")


def login(page, base_url: str, username: str, password: str, timeout: float = 60_000) -> None:
    """Sign in with a local account through the Spanish login form."""
    page.goto(base_url + "/", wait_until="domcontentloaded")
    wait_for_app(page, timeout)
    page.get_by_label("Usuario", exact=True).fill(username)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="Ingresar", exact=True).click()
    page.get_by_role("button", name="Cerrar sesión").wait_for(state="visible", timeout=timeout)
    wait_for_app(page, timeout)


def goto_page(page, base_url: str, url_path: str, query: Mapping[str, str] | None = None,
              timeout: float = 60_000) -> None:
    """Open one page of ``app.PAGES`` by its url path in a new Streamlit session."""
    qs = ("?" + urlencode(dict(query))) if query else ""
    page.goto(f"{base_url}/{url_path}{qs}", wait_until="domcontentloaded")
    wait_for_app(page, timeout)


NAV_LINK_SELECTOR = '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'
_NAV_LINKS_JS = """() => Array.from(document.querySelectorAll(
  '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]')).map(a => ({
    path: new URL(a.href).pathname,
    title: (a.innerText || '').split('\\n').map(s => s.trim()).filter(Boolean).pop() || ''}))"""


def nav_links(page) -> list[dict]:
    """The sidebar navigation: ``[{"path": "/mapa", "title": "Mapa territorial"}, ...]``
    (the default page's path is ``/``)."""
    return page.evaluate(_NAV_LINKS_JS)


_ARM_RUN_WATCH_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const w = window.__e2eRun = {started: false, done: false, t0: performance.now(), t1: null};
  const obs = new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running' || state === 'rerunRequested') w.started = true;
    else if (state === 'notRunning' && w.started) { w.done = true; w.t1 = performance.now(); obs.disconnect(); }
  });
  obs.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def arm_run_watch(page) -> None:
    """Start watching for the NEXT script run (call just before the click that causes it)."""
    page.evaluate(_ARM_RUN_WATCH_JS)


def wait_run_done(page, timeout: float = 60_000) -> float:
    """Wait until the run watched by ``arm_run_watch`` started and finished; returns its
    duration in seconds as the browser saw it (arm → run finished)."""
    page.wait_for_function("() => window.__e2eRun && window.__e2eRun.done", timeout=timeout, polling=50)
    return page.evaluate("() => (window.__e2eRun.t1 - window.__e2eRun.t0) / 1000")


def click_nav(page, target: str, timeout: float = 60_000) -> float:
    """Go to a page through the sidebar navigation, in the same Streamlit session.

    ``target`` is the page's ``url_path`` (as in ``app.PAGES``) or its visible title
    (needed for the default page, whose link points at ``/``). Returns the seconds from
    the click to the end of the page's script run (what a person waits for)."""
    links = nav_links(page)
    index = next((i for i, link in enumerate(links) if link["path"] == "/" + target), None)
    if index is None:
        index = next((i for i, link in enumerate(links) if link["title"] == target), None)
    if index is None:
        raise LookupError(f"no navigation link to {target!r}; links: {links}")
    path = links[index]["path"]
    arm_run_watch(page)
    page.locator(NAV_LINK_SELECTOR).nth(index).click()
    seconds = wait_run_done(page, timeout)
    wait_for_app(page, timeout)
    landed = page.evaluate("() => window.location.pathname")
    if landed != path:
        raise AssertionError(f"navigation to {path} ended at {landed}; page shows: {page_errors(page)}")
    return seconds


_ERROR_ALERT_JS = """() => Array.from(document.querySelectorAll('[data-testid="stAlert"]'))
  .filter(el => el.querySelector('[data-testid="stAlertContentError"]'))
  .map(el => el.innerText)"""


def page_errors(page) -> list[str]:
    """Texts of exception elements and error alerts (``st.error``) on the page."""
    out = [f"exception: {t}" for t in page.locator('[data-testid="stException"]').all_inner_texts()]
    out += [f"error alert: {t}" for t in page.evaluate(_ERROR_ALERT_JS)]
    return out


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path
