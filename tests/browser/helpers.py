"""What the browser tests share besides fixtures: the live server, viewports, screenshots,
signing in, and axe-core.

The server starts as in production (``python wsgi.py``, eventlet, one process) on a free
loopback port with its own instance folder; the database is migrated and the demo loaded with
the same commands ``make run`` uses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# --- the live server ------------------------------------------------------------------------

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
    with open(workdir / "server.log", "w") as log:  # the server writes to its own copy
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


# --- pages -----------------------------------------------------------------------------------


#: How long a page waits for what a test expects: generous, as two test workers share the
#: machine's cores with their browsers and servers (a wait ends as soon as it is met).
WAIT_MS = 20_000


def open_page(browser, viewport: dict, **options):
    """A page in a new browser context (its own cookies); the context and the page."""
    options.setdefault("locale", "en-GB")  # tests read the English interface
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    return context, page


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


# --- axe-core (from npm, pinned in package.json) ------------------------------------------------

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.1 A and AA rules.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[dict]:
    """Inject axe-core and return its WCAG 2.1 AA violations for the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
        lines.append(f"{violation['id']}: {violation['help']} at {targets}")
    return "\n".join(lines)


#: What a page shows of the refusals :func:`refuse_while_busy` makes up.
BUSY = "Beschäftigt (Test)"


def refuse_while_busy(page, watches: int) -> list[str]:
    """Stand between ``page`` and the server's Socket.IO: the answers to its first
    ``watches`` watch requests, and the full state pushed at its first connect, arrive as a
    busy server's refusal. Returns the ids of every watch request the page sent."""
    sent: list[str] = []
    answers_refused: list[str] = []
    states_refused: list[str] = []
    refusal = json.dumps({"ok": False, "status": 503, "error": BUSY}, ensure_ascii=False)

    def between(page_side) -> None:
        server_side = page_side.connect_to_server()
        watching: set[str] = set()  # acknowledgement ids count per connection

        def from_page(message) -> None:
            found = re.match(r'42(\d+)\["watch_', str(message))
            if found:
                sent.append(found.group(1))
                watching.add(found.group(1))
            server_side.send(message)

        def from_server(message) -> None:
            text = str(message)
            answer = re.match(r"43(\d+)\[", text)
            if answer and answer.group(1) in watching and len(answers_refused) < watches:
                answers_refused.append(text)
                page_side.send(f"43{answer.group(1)}[{refusal}]")
            elif text.startswith('42["conference_state"') and not states_refused:
                states_refused.append(text)
                page_side.send(f'42["conference_state",{refusal}]')
            else:
                page_side.send(message)

        page_side.on_message(from_page)
        server_side.on_message(from_server)

    page.route_web_socket(re.compile(r"/socket\.io/"), between)
    return sent
