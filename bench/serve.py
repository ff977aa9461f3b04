"""Serve exactly as ``python wsgi.py`` does, with proposed changes swapped in.

    BENCH_PROPOSALS=group-commit,gc-freeze,one-query-login ASYNC_MODE=eventlet python -m bench.serve

This is how the benchmark measures changes proposed for files it does not own, before they
are merged (``vote_burst --proposals …``). Everything else is ``wsgi.py``, run as the main
program. The proposals:

``group-commit``
    ballots that arrive together share one transaction and one durable commit
    (``bench/group_commit.py``, for ``participation/services/voting.py``).
``gc-freeze``
    after the app is built, move everything alive into the garbage collector's permanent
    generation (``gc.freeze()``), so full collections no longer walk the ~160,000 objects of
    the loaded application — on a slow machine each such walk stalls every client for
    0.2–0.9 s (for ``wsgi.py``).
``one-query-login``
    load a socket event's login session together with its accreditation and person in one
    query instead of three (for ``participation/services/access.py``: ``session_for``).
"""

import os
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")
PROPOSALS = ("group-commit", "gc-freeze", "one-query-login")


def install(names) -> None:
    unknown = set(names) - set(PROPOSALS)
    if unknown:
        raise SystemExit(f"unknown proposals: {', '.join(sorted(unknown))}")
    if "group-commit" in names:
        from bench import group_commit

        group_commit.install()
    if "gc-freeze" in names:
        _freeze_after_create_app()
    if "one-query-login" in names:
        _one_query_login()


def _freeze_after_create_app() -> None:
    import gc

    import participation

    build = participation.create_app

    def create_app(*args, **kwargs):
        app = build(*args, **kwargs)
        gc.collect()
        gc.freeze()
        return app

    participation.create_app = create_app


def _one_query_login() -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from participation import clock
    from participation.extensions import db
    from participation.models import LoginSession
    from participation.services import access

    def session_for(token):
        if not token:
            return None
        return db.session.scalar(
            select(LoginSession)
            .options(joinedload(LoginSession.accreditation), joinedload(LoginSession.person))
            .where(LoginSession.token_hash == clock.digest(token))
        )

    access.session_for = session_for


if __name__ == "__main__":
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

    import runpy

    from bench.server import ROOT

    names = [n.strip() for n in os.environ.get("BENCH_PROPOSALS", "").split(",") if n.strip()]
    install(names)
    print(f"bench.serve: proposals {', '.join(names) or 'none'}", flush=True)
    runpy.run_path(str(ROOT / "wsgi.py"), run_name="__main__")
