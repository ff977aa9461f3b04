"""Browser tests: a real server process on the demo database, driven by Debian's Chromium.

The server starts as in production (``python wsgi.py``, eventlet, one process) on a free
loopback port with its own instance folder; the database is migrated and the demo loaded with
the same commands ``make run`` uses.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import expect

expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
ADMIN_PASSWORD = "demo-admin-password-1"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
PROJECTOR = {"width": 1920, "height": 1080}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict
    process: subprocess.Popen
    instance: Path
    #: Display name → join URL, as printed by ``flask demo``.
    join_urls: dict[str, str] = field(default_factory=dict)
    admin_email: str = "admin@example.org"
    admin_password: str = ADMIN_PASSWORD

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run ``flask --app wsgi …`` against this server's database."""
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start in time")


def prepare_instance(instance: Path, extra_env: dict | None = None) -> LiveServer:
    """Migrate a fresh database and load the demo into it, as ``make run`` does."""
    env = {
        **os.environ,
        "PARTICIPATION_INSTANCE": str(instance),
        "PARTICIPATION_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **(extra_env or {}),
    }
    if not (extra_env or {}).get("DATABASE_URL"):
        env.pop("DATABASE_URL", None)
    server = LiveServer("", env, None, instance)  # type: ignore[arg-type]
    upgrade = server.flask("db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    demo = server.flask("demo")
    assert demo.returncode == 0, demo.stderr
    for line in demo.stdout.splitlines():
        match = re.match(r"\s+(.+?) \([^()]*\): \S+(/join/\S+)$", line)
        if match:
            server.join_urls[match.group(1)] = match.group(2)
    return server


def start_server(prepared: LiveServer, workdir: Path, extra_env: dict | None = None) -> LiveServer:
    """Serve a copy of a prepared instance with ``python wsgi.py`` on a free port."""
    port = free_port()
    instance = workdir / "instance"
    if instance != prepared.instance:
        shutil.copytree(prepared.instance, instance)
    url = f"http://127.0.0.1:{port}"
    env = {
        **prepared.env,
        "PARTICIPATION_INSTANCE": str(instance),
        "PORT": str(port),
        "PUBLIC_URL": url,
        **(extra_env or {}),
    }
    join_urls = {name: url + path for name, path in prepared.join_urls.items()}
    log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed with the process)
    process = subprocess.Popen(
        [sys.executable, "wsgi.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server = LiveServer(url, env, process, instance, join_urls)
    try:
        _wait_until_serving(server.url + "/", server.process)
    except Exception:
        server.process.kill()
        raise RuntimeError((workdir / "server.log").read_text()[-3000:]) from None
    return server


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory) -> LiveServer:
    """One migrated demo database per test run; each test serves its own copy."""
    return prepare_instance(tmp_path_factory.mktemp("demo") / "instance")


@pytest.fixture
def live_server(demo_instance, tmp_path):
    server = start_server(demo_instance, tmp_path)
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; `.ci/run` installs it (apt chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _page(browser, viewport: dict, **options):
    options.setdefault("locale", "en-GB")  # tests read the English interface
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context, page = _page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """Factory for further pages, each in its own context (its own cookies)."""
    contexts = []

    def make(viewport: dict = PHONE, **options):
        context, page = _page(browser, viewport, **options)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot as a test artefact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in_staff(page, server: LiveServer) -> None:
    page.goto(server.url + "/login")
    page.fill("input[name=email]", server.admin_email)
    page.fill("input[name=password]", server.admin_password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
