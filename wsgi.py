"""Entry point. ``python wsgi.py`` serves the app; ``flask --app wsgi …`` runs commands.

The async library is chosen here and nowhere else: ``ASYNC_MODE`` is ``eventlet`` (default),
``gevent`` or ``threading``.
"""

import os
import warnings

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")

if __name__ == "__main__":
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

from participation import create_app, jobs  # noqa: E402
from participation.extensions import socketio  # noqa: E402

app = create_app({"SOCKETIO_ASYNC_MODE": ASYNC_MODE} if __name__ == "__main__" else None)

if __name__ == "__main__":
    import gc

    from participation.realtime.rooms import prepare_drawing

    prepare_drawing(app)

    # The app's startup objects never die; leaving them out of full collections spares the
    # server pauses of up to a second in the middle of a vote burst.
    gc.collect()
    gc.freeze()
    # A hall of connected phones keeps hundreds of thousands of objects alive. With Python's
    # default thresholds a burst of ballots set off full collections of all of them, each
    # stopping every connection for about a quarter of a second (measured: 2 in a burst of
    # 1,000, 0.45 s). Collecting the young generation less often and the old one rarely keeps
    # the pauses short; reference counting still frees all but cyclic garbage at once.
    gc.set_threshold(50_000, 20, 20)

if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = app.config["PORT"]
    print(f"Serving participation on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    # Poll countdowns and the session sweep run in this process only once it serves; the
    # ``flask`` commands, which import this module too, start none.
    jobs.start(app)
    from participation.realtime.frames import share_compressed_frames

    # A broadcast to a hall is compressed once, not once for each phone.
    share_compressed_frames(ASYNC_MODE)
    if ASYNC_MODE == "eventlet":
        from participation.realtime.serving import serve_with_eventlet

        serve_with_eventlet(app, host, port)
    elif ASYNC_MODE == "gevent":
        socketio.run(app, host=host, port=port, backlog=int(os.environ.get("BACKLOG", "2048")))
    else:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
