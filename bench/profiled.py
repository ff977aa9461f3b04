"""Run the server under cProfile, for the benchmark's ``--profile``::

    python -m bench.profiled server.prof wsgi.py

The statistics are written when the server is stopped (SIGTERM), for ``python -m pstats`` or
the benchmark's report of where the server's time went. To profile one moment only, start
with ``--wait``: SIGUSR1 then starts profiling and SIGUSR2 stops it and writes the file.
Greenlets switch inside the profiled process, so cumulative times of handlers include waiting;
the time spent in each function itself (tottime) is what the report reads.
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys


def main() -> None:
    wait = "--wait" in sys.argv
    out, script = [arg for arg in sys.argv[1:] if arg != "--wait"][:2]
    profile = cProfile.Profile()

    def stop(*_args) -> None:
        profile.disable()
        profile.dump_stats(out)
        sys.exit(0)

    def write(*_args) -> None:
        profile.disable()
        profile.dump_stats(out)

    signal.signal(signal.SIGTERM, stop)
    if wait:
        signal.signal(signal.SIGUSR1, lambda *_args: profile.enable())
        signal.signal(signal.SIGUSR2, write)
    sys.argv = [script]
    if not wait:
        profile.enable()
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
