"""How long a phone takes to encrypt a ballot: static/js/ballot_crypto.js in Chromium with the
CPU slowed down four times (Chrome DevTools' "4× slowdown", a mid-range phone).

    python -m bench.phone_encryption --ballots 20

For each kind of secret vote (yes/no/abstain; approval of up to 2 of 5; yes/no/abstain for
each of 4 and of 10 candidates) it encrypts N ballots with their proofs and the tracker, and
prints the mean and the slowest time per ballot as JSON. The files are served from this
checkout over loopback; nothing is asserted.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import threading
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from participation.ballots import KeyPair

ROOT = Path(__file__).resolve().parent.parent
KINDS: dict[str, list[dict[str, int]]] = {
    "yes/no/abstain": [{"choices": 3, "min": 1, "max": 1}],
    "approval 2 of 5": [{"choices": 5, "min": 0, "max": 2}],
    "yes/no/abstain for 4 candidates": [{"choices": 3, "min": 1, "max": 1}] * 4,
    "yes/no/abstain for 10 candidates": [{"choices": 3, "min": 1, "max": 1}] * 10,
}
SCRIPT = """async ([publicKey, questions, ballots]) => {
  const crypto = await import("/static/js/ballot_crypto.js");
  const marks = questions.map((q) => Array.from({length: q.choices}, (_, i) => i < q.min ? 1 : 0));
  const times = [];
  for (let n = 0; n < ballots; n++) {
    const start = performance.now();
    crypto.encryptBallot({publicKey, poll: "bench", voter: "v" + n, questions, marks});
    times.push(performance.now() - start);
  }
  return times;
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        """Requests are not logged: the report is the output."""


def _serve() -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_Quiet, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def run(ballots: int, slowdown: int = 4) -> dict[str, Any]:
    server, url = _serve()
    key = KeyPair.generate().public.hex()
    report: dict[str, Any] = {"ballots": ballots, "cpu_slowdown": slowdown}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page()
            page.goto(url + "/static/js/ballot_crypto.js")
            cdp = page.context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
            for kind, questions in KINDS.items():
                times = page.evaluate(SCRIPT, [key, questions, ballots])
                report[kind] = {
                    "mean_ms": round(sum(times) / len(times), 1),
                    "max_ms": round(max(times), 1),
                }
            browser.close()
    finally:
        server.shutdown()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=20)
    parser.add_argument("--slowdown", type=int, default=4)
    arguments = parser.parse_args()
    print(json.dumps(run(arguments.ballots, arguments.slowdown), indent=2))


if __name__ == "__main__":
    main()
