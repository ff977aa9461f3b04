"""Calling the JSON API of a server running in its own process (fault and scale-out tests)."""

from __future__ import annotations

import requests


def sign_in(url: str, code: str) -> str:
    """Exchange a join code for a bearer token."""
    response = requests.post(url + "/api/v1/auth/join", json={"code": code}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["token"]


def api(url: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    """Call ``/api/v1<path>`` with the token; the JSON answer, which must be a success."""
    response = requests.request(
        method,
        url + "/api/v1" + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()
