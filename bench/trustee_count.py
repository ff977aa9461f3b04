"""From the close to the result of an encrypted poll, with three trustees' pages online.

    python -m bench.trustee_count --rounds 3

Serves the demo as ``make run`` does, appoints three trustees (any two decrypt) whose pages
run the key ceremony in Chromium, then for each round opens a secret poll, lets three phones
encrypt and vote, clicks "Close" on the desk and times until the projector shows the result:
the close's weighted sums, the trustees' pages told, their partial decryptions with proofs
computed in the browser, checked by the server, combined, decided and sent to every screen.
Prints JSON; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.browser.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    PROJECTOR,
    open_page,
    prepare_instance,
    sign_in_staff,
    start_server,
    stop_server,
)

TRUSTEES = ("Samira Benali", "Aylin Demir", "Mariam Haddad")
VOTERS = ("Aylin Demir", "Mariam Haddad", "Elif Kaya")


def _signed_in(browser, server, name, viewport):
    _context, page = open_page(browser, viewport)
    page.goto(server.join_urls[name])
    return page


def _ceremony(browser, server, base: str) -> None:
    first = _signed_in(browser, server, TRUSTEES[0], DESKTOP)
    first.goto(f"{base}/trustees")
    first.select_option("#people", label=list(TRUSTEES))
    first.fill("#threshold", "2")
    first.click("form[action$='/trustees'] button[type=submit]")
    pages = [first]
    for name in TRUSTEES[1:]:
        page = _signed_in(browser, server, name, DESKTOP)
        page.goto(f"{base}/trustees")
        pages.append(page)
    for page in pages:
        page.wait_for_selector("#trustee-share:not(:empty)", timeout=60_000)


def _round(desk, phones, projector, base: str, number: int) -> float:
    desk.goto(f"{base}/polls")
    desk.click("#new-poll summary")
    desk.fill("#title", f"Messung {number}")
    desk.check("#secret")
    desk.click("#new-poll button[type=submit].primary")
    desk.click("button.open-poll")
    desk.wait_for_selector("button.close-poll")
    for phone in phones:
        phone.wait_for_selector("#ballot .ballot-yes", timeout=30_000)
        phone.click("#ballot .ballot-yes")
        phone.click("#ballot .ballot-confirm")
        phone.wait_for_selector("#ballot .ballot-done", timeout=30_000)
    projector.wait_for_selector(f"#turnout-fill[data-count='{len(phones)}']")
    start = time.monotonic()
    desk.click("button.close-poll")
    projector.wait_for_selector("#projector-result .result[data-outcome='adopted']", timeout=60_000)
    return time.monotonic() - start


def run(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir:
        prepared = prepare_instance(Path(workdir) / "prepared" / "instance")
        server = start_server(prepared, Path(workdir))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                desk = _signed_in(browser, server, TRUSTEES[0], DESKTOP)
                base = re.sub(r"/live$", "", desk.url)
                _ceremony(browser, server, base)
                _context, projector = open_page(browser, PROJECTOR)
                sign_in_staff(projector, server)
                projector.goto(f"{base}/projector")
                projector.wait_for_selector("#connection[data-state=online]")
                phones = [_signed_in(browser, server, name, PHONE) for name in VOTERS]
                seconds = [_round(desk, phones, projector, base, n) for n in range(rounds)]
                browser.close()
        finally:
            stop_server(server)
    return {
        "trustees_online": len(TRUSTEES),
        "threshold": 2,
        "ballots": len(VOTERS),
        "close_to_result_s": [round(s, 3) for s in seconds],
        "median_s": round(statistics.median(seconds), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    print(json.dumps(run(parser.parse_args().rounds), indent=2))


if __name__ == "__main__":
    main()
