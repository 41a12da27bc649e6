"""The real app in a real, offline Chromium: what the browser tests and ``tablero bench --browser`` share.

Waits follow Streamlit's own ``e2e_playwright``: act as a person would, then wait with
Playwright's ``expect`` for what that person sees (a text, a role, the address, the app's
"not running" state) — never a fixed sleep. The pieces:

* ``running_app(url, env)`` — ``streamlit run app.py`` on a free port, ready when Streamlit
  prints its address; stopped (whole process group) afterwards.
* ``chromium()`` / ``watched_page(browser)`` — the Debian Chromium; a fresh context per page
  that aborts and records every request to a host other than localhost, console errors,
  failed requests and dialogs (``WatchedPage.problems()``).
* ``wait_for_app_run(page)`` — the script run finished: connected, ``notRunning``, no status
  widget, no skeleton. Call it after something the run shows is visible, never right after
  an action, whose run may not have started yet.
* ``login`` / ``fill_login_form``, ``goto_page``, ``click_nav``, ``nav_links`` — the app's ways
  in; ``click_nav`` returns the seconds from the click to the end of the page's run, as the
  browser clocked them (what ``tablero bench --browser`` reports).
* ``load_seconds(page, address)`` — a new session at an address, navigation start → end of its run;
* ``expect_no_errors(page)``, ``screenshot(page, name)`` (PNG in ``tests/artifacts/``).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from playwright.sync_api import expect

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
TIMEOUT_MS = 60_000
READY_LINE = b"You can now view your Streamlit app"

__all__ = [
    "ARTIFACTS",
    "CHROMIUM_ARGS",
    "LOCAL_HOSTS",
    "ROOT",
    "TIMEOUT_MS",
    "AppServer",
    "WatchedPage",
    "chromium",
    "click_nav",
    "error_elements",
    "expect_no_errors",
    "fill_login_form",
    "free_port",
    "goto_page",
    "load_seconds",
    "login",
    "login_seconds",
    "nav_links",
    "running_app",
    "screenshot",
    "wait_for_app_run",
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

    def peak_rss_mb(self) -> float | None:
        """The server process's peak resident memory so far (``VmHWM``; None once it has ended)."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(found.group(1)) / 1024 if found else None

    def wait_for_line(self, pattern: re.Pattern, count: int = 1, timeout: float = 900) -> tuple | None:
        """The groups of the ``count``-th match of ``pattern`` in the server's log, once it is
        there (None after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.findall(self.log_tail(2_000_000))
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.5)
        return None


def _streamlit_cmd() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "streamlit"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "streamlit"]


def _copy_until_ready(proc: subprocess.Popen, log_path: Path, ready: threading.Event) -> None:
    """Copy the server's output to its log; set ``ready`` at its "You can now view" line or at its end."""
    with open(log_path, "wb") as log:
        for line in proc.stdout:
            log.write(line)
            log.flush()
            if READY_LINE in line:
                ready.set()
    ready.set()


@contextlib.contextmanager
def running_app(
    database_url: str,
    env: Mapping[str, str] | None = None,
    *,
    secrets_file: str | os.PathLike | None = None,
    extra_args: Sequence[str] = (),
    timeout: float = 120,
    port: int | None = None,
    script: str | os.PathLike = "app.py",
) -> Iterator[AppServer]:
    """The app (``script``, default ``app.py``) on ``port`` (else a free one) serving ``database_url``
    until the block ends.

    ``secrets_file`` goes to ``--secrets.files`` so that no secret is written in the repository.
    Streamlit prints its address once it accepts sessions: that line, not a polling loop, is
    the start signal. The output is kept in ``tests/artifacts/streamlit-<port>.log``.
    """
    port = port or free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    cmd = [
        *_streamlit_cmd(), "run", str(script),
        "--server.port", str(port),
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]
    if secrets_file is not None:
        cmd += ["--secrets.files", str(secrets_file)]
    cmd += list(extra_args)
    proc_env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc_env["DATABASE_URL"] = database_url
    proc_env.update(env or {})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=proc_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    server = AppServer(port=port, process=proc, log_path=log_path)
    ready = threading.Event()
    copier = threading.Thread(target=_copy_until_ready, args=(proc, log_path, ready), daemon=True)
    copier.start()
    try:
        if not ready.wait(timeout):
            raise TimeoutError(f"streamlit did not start within {timeout}s:\n{server.log_tail()}")
        if READY_LINE not in log_path.read_bytes():
            raise RuntimeError(f"streamlit exited with {proc.wait(10)}:\n{server.log_tail()}")
        yield server
    finally:
        _stop(proc)
        copier.join(10)


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

    Playwright's sync API allows one instance per thread, so a nested call (a bench run
    inside a test session that holds the ``chromium_browser`` fixture) shares the open browser.
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

# Notes when the app's script state last turned "notRunning" (browser clock): click_nav's
# figure is read from it after Playwright's wait, so the wait's polling steps never count.
_RUN_CLOCK_JS = """new MutationObserver((records) => {
  for (const r of records) {
    if (r.target.getAttribute('data-test-script-state') === 'notRunning') window.__tableroRunEnded = performance.now();
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});"""


# Opened at a page's address, Streamlit's frontend first looks for its server under that path
# (``/mapa/_stcore/health``...) and gets a 404 before trying the root: its own probe, not a fault.
_BASE_PROBE = re.compile(r"/[^/?#]+/_stcore/(health|host-config)$")


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
    dialogs: list[str] = field(default_factory=list)  # alert/confirm/prompt, dismissed
    aborted_requests: list[str] = field(default_factory=list)  # cancelled by navigation: not a problem

    def reset(self) -> None:
        for recorded in (self.blocked, self.console_errors, self.failed_requests, self.dialogs,
                         self.aborted_requests):
            recorded.clear()

    def problems(self) -> list[str]:
        return (
            [f"request to the outside (blocked): {u}" for u in self.blocked]
            + [f"console error: {e}" for e in self.console_errors]
            + [f"failed request: {r}" for r in self.failed_requests]
            + [f"dialog: {m}" for m in self.dialogs]
        )


@contextlib.contextmanager
def watched_page(browser, *, allowed_hosts: frozenset[str] = LOCAL_HOSTS,
                 viewport: tuple[int, int] = (1400, 1000)) -> Iterator[WatchedPage]:
    """A fresh page (own context, own cookies) that reaches only ``allowed_hosts`` and records every problem."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                  locale="es-CO", timezone_id="America/Bogota")
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(_RUN_CLOCK_JS)
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
        loc = msg.location or {}
        if msg.type == "error" and not _BASE_PROBE.search(loc.get("url", "")):
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
        if response.status >= 400 and not (response.status == 404 and _BASE_PROBE.search(response.url)):
            watch.failed_requests.append(f"{response.request.method} {response.url} HTTP {response.status}")

    context.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: watch.console_errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", on_request_failed)
    page.on("response", on_response)
    page.on("dialog", lambda dialog: (watch.dialogs.append(dialog.message), dialog.dismiss()))
    try:
        yield watch
    finally:
        context.close()


# -------------------------------------------------------------------------- the app UI


def wait_for_app_run(page, timeout: float = TIMEOUT_MS) -> None:
    """Wait until the script run finished: connected, ``notRunning``, no status widget, no skeleton.

    Streamlit keeps ``notRunning`` until the server reports the next run, so first wait for
    something that run shows (the address, a text); right after a click this would pass early.
    """
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)
    expect(page.get_by_test_id("stStatusWidget")).not_to_be_attached(timeout=timeout)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=timeout)


def act_and_wait_for_run(page, action, timeout: float = TIMEOUT_MS) -> None:
    """Do ``action`` (a click, a choice) and wait until the script run it starts has ended, not an
    earlier one: right after a click :func:`wait_for_app_run` can pass before that run begins, and
    what the next step clicks may then be replaced under it. On a :func:`watched_page` (its run clock)."""
    since = page.evaluate("() => performance.now()")
    action()
    page.wait_for_function("t0 => (window.__tableroRunEnded ?? 0) > t0", arg=since, timeout=timeout)
    wait_for_app_run(page, timeout)


def login(page, base_url: str, username: str, password: str, timeout: float = TIMEOUT_MS) -> None:
    """Sign in with a local account through the Spanish login form (a new Streamlit session)."""
    page.goto(base_url + "/", wait_until="domcontentloaded")
    fill_login_form(page, username, password, timeout)
    expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible(timeout=timeout)


def login_seconds(page, base_url: str, username: str, password: str,
                  timeout: float = TIMEOUT_MS) -> tuple[float, float]:
    """``login`` clocked by the browser: (click on «Ingresar» → first page's run ended, navigation
    start → the same end) in seconds (a ``watched_page``)."""
    page.goto(base_url + "/", wait_until="domcontentloaded")
    user = page.get_by_label("Usuario", exact=True)
    expect(user).to_be_editable(timeout=timeout)
    user.fill(username)
    page.get_by_label("Contraseña", exact=True).fill(password)
    clicked = page.evaluate("() => performance.now()")
    page.get_by_role("button", name="Ingresar", exact=True).click()
    expect(page.get_by_role("button", name="Cerrar sesión", include_hidden=True)).to_be_attached(timeout=timeout)
    wait_for_app_run(page, timeout)
    ended = page.evaluate("() => window.__tableroRunEnded ?? null")
    if ended is None or ended < clicked:
        raise RuntimeError("no end of run noted after the login (not a watched_page?)")
    return (ended - clicked) / 1000, ended / 1000


def fill_login_form(page, username: str, password: str, timeout: float = TIMEOUT_MS) -> None:
    """Sign in on the login form shown at any address; returns when the signed-in run is done.

    The shell's log-out button marks that run; it is attached but hidden on a full-screen page.
    """
    user = page.get_by_label("Usuario", exact=True)
    expect(user).to_be_editable(timeout=timeout)
    user.fill(username)
    page.get_by_label("Contraseña", exact=True).fill(password)
    page.get_by_role("button", name="Ingresar", exact=True).click()
    expect(page.get_by_role("button", name="Cerrar sesión", include_hidden=True)).to_be_attached(timeout=timeout)
    wait_for_app_run(page, timeout)


def goto_page(page, base_url: str, url_path: str, query: Mapping[str, str] | None = None,
              timeout: float = TIMEOUT_MS) -> None:
    """Open ``<base_url>/<url_path>`` in a new Streamlit session (an OIDC login survives it: it is a cookie)."""
    qs = ("?" + urlencode(dict(query))) if query else ""
    page.goto(f"{base_url}/{url_path}{qs}", wait_until="domcontentloaded")
    wait_for_app_run(page, timeout)  # a new page's script state is "initial" until its first run ends


def _nav(page):
    return page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")


def nav_links(page) -> list[dict]:
    """The sidebar navigation as shown: ``[{"path": "/mapa", "title": "Mapa territorial"}, ...]``
    (the default page's path is ``/``)."""
    return [{"path": urlsplit(link.get_attribute("href") or "").path or "/",
             "title": link.locator("span[label]").get_attribute("label") or ""}
            for link in _nav(page).all()]


def click_nav(page, target: str, timeout: float = TIMEOUT_MS) -> float:
    """Go to a page through the sidebar, in the same Streamlit session (a local login lives in it).

    ``target`` is the page's ``url_path`` or its title (the default page's link points at
    ``/``). Done when the address is the page's — Streamlit changes it mid-run — and the run
    ended. Returns the seconds from the click to the end of that run, on the browser's clock.
    """
    links = _nav(page)
    expect(links.first).to_be_visible(timeout=timeout)
    link = links.and_(page.locator(f'[href$="/{target}"]'))
    if not target or link.count() != 1:
        link = links.filter(has=page.locator(f'span[label="{target}"]'))
    if link.count() != 1:
        raise LookupError(f"no navigation link to {target!r}; links: {nav_links(page)}")
    path = urlsplit(link.get_attribute("href")).path or "/"
    if urlsplit(page.url).path == path:
        raise ValueError(f"already on {path}: a click would not navigate")
    clicked = page.evaluate("() => performance.now()")
    started = time.perf_counter()
    link.click()
    expect(page).to_have_url(re.compile(rf"^[^?#]*//[^/]+{re.escape(path)}([?#].*)?$"), timeout=timeout)
    wait_for_app_run(page, timeout)
    ended = page.evaluate("() => window.__tableroRunEnded ?? null")
    if ended is None or ended < clicked:  # a page not opened by watched_page: Python's clock
        return time.perf_counter() - started
    return (ended - clicked) / 1000


def load_seconds(page, address: str, timeout: float = TIMEOUT_MS) -> float:
    """Open ``address`` in a new Streamlit session; seconds from the navigation's start to the end
    of the first script run, on the browser's clock (a ``watched_page``'s run clock)."""
    page.goto(address, wait_until="domcontentloaded")
    wait_for_app_run(page, timeout)
    ended = page.evaluate("() => window.__tableroRunEnded ?? null")
    if ended is None:
        raise RuntimeError(f"no end of run noted at {address} (not a watched_page?)")
    return ended / 1000


def upload_file(page, name: str, mime: str, data: bytes, timeout: float = TIMEOUT_MS) -> None:
    """Give the page's file uploader one file once the run that draws it ended, and wait until
    it lists the file (a file given to an uploader its first run is still drawing can be lost)."""
    wait_for_app_run(page, timeout)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": data}])
    expect(page.get_by_test_id("stFileChipName")).to_have_attribute("title", name, timeout=timeout)


def error_elements(page):
    """Exceptions and error alerts (``st.exception``, ``st.error``) shown on the page."""
    alerts = page.get_by_test_id("stAlert").filter(has=page.get_by_test_id("stAlertContentError"))
    return page.get_by_test_id("stException").or_(alerts)


def expect_no_errors(page) -> None:
    """No exception and no error alert on the page (the failure lists their texts)."""
    expect(error_elements(page)).to_have_text([])


def screenshot(page, name: str) -> Path:
    """Full-page PNG in ``tests/artifacts/`` (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path
