"""Browser tests: a real server process on the demo database, driven by Debian's Chromium.

The server and everything else the fixtures are built from are in ``tests/browser/helpers.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    WAIT_MS,
    LiveServer,
    open_page,
    prepare_instance,
    start_server,
    stop_server,
)

expect.set_options(timeout=WAIT_MS)


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
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}; `.ci/run` installs it (apt chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_page(browser):
    context, page = open_page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    yield page
    context.close()


@pytest.fixture
def desktop_page(browser):
    context, page = open_page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """Factory for further pages, each in its own context (its own cookies)."""
    contexts = []

    def make(viewport: dict = PHONE, **options):
        context, page = open_page(browser, viewport, **options)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()
