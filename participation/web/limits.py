"""Whose budget a request spends: rate limits that no one client can use up for a whole hall.

A venue's Wi-Fi puts hundreds of phones behind one address, so an address alone is never what
refuses a signed-in reader, a right access code or another staff member's password:

* API reads count per login session when the request is signed in (cookie or bearer token),
  per address only for anonymous readers (:func:`reader_key`).
* Wrong access codes count per browser (a random id in its session cookie) and per address,
  and only after the code was checked: a right code is accepted whatever the counters say
  (:func:`count_wrong_code`).
* Wrong staff passwords count per account, so they protect that account's password without
  shutting out anyone else (:func:`account_key`).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app, request, session
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

from participation import clock
from participation.extensions import limiter

#: The session's key for the random id that tells one browser's wrong codes from another's.
CLIENT_KEY = "client"
#: Where wrong codes are counted in the limiter's storage.
WRONG_CODES = "wrong-codes"


def reader_key() -> str:
    """API reads: the login session's budget when signed in, the address's when anonymous."""
    if current_user.is_authenticated:
        return f"login:{current_user.login_id}"
    return f"address:{get_remote_address()}"


def account_key() -> str:
    """Staff sign-in: the account the form names, whether it exists or not (a hash, so the
    limiter's storage holds no e-mail addresses)."""
    email = (request.form.get("email") or "").strip().lower()
    return "account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _client_id() -> str:
    """This browser's id, kept in its session cookie (a new one if it has none)."""
    client = session.get(CLIENT_KEY)
    if not isinstance(client, str) or not client:
        client = clock.token_urlsafe(12)
        session[CLIENT_KEY] = client
    return client


def count_wrong_code() -> int | None:
    """Count one wrong access code against this browser and its address.

    Returns None within both limits, else the seconds until the fuller of the two has room
    again; until then its wrong codes are answered 429 (right codes are never counted).
    """
    if not limiter.enabled:
        return None
    config = current_app.config
    budgets = (
        (config["JOIN_RATE_LIMIT"], f"client:{_client_id()}"),
        (config["JOIN_ADDRESS_RATE_LIMIT"], f"address:{get_remote_address()}"),
    )
    wait = 0.0
    for limit_string, key in budgets:
        for item in parse_many(limit_string):
            if not limiter.limiter.hit(item, WRONG_CODES, key):
                reset_at = limiter.limiter.get_window_stats(item, WRONG_CODES, key).reset_time
                wait = max(wait, reset_at - time.time(), 1.0)
    return math.ceil(wait) if wait else None
