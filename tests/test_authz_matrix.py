"""Every route and every socket event against every role.

A route or event missing from the tables below fails the test, so nothing new can be added
without deciding who may use it.
"""

from __future__ import annotations

import re

import pytest

from participation.realtime.handlers import EVENT_ACCESS
from participation.services import access, conferences, directory, documents
from participation.services.authz import ROLE_RANK
from tests.helpers import closed_poll_and_proxy, csrf_token, socket_client

#: endpoint → the weakest level that may use it.
ROUTE_ACCESS = {
    "static": "public",
    "public.home": "public",
    "public.conference": "public",
    "public.text": "public",
    "public.text_pdf": "public",
    "public.book_pdf": "public",
    "public.texts_csv": "public",
    "public.texts_json": "public",
    "public.results_csv": "public",
    "public.results_json": "public",
    "public.feed": "public",
    "public.conference_feed": "public",
    "public.search": "public",
    "auth.join_link": "public",
    "auth.join_form": "public",
    "auth.login": "public",
    "auth.logout": "public",
    "auth.language": "public",
    "api.conferences": "public",
    "delegate.live": "observer",
    "delegate.poll_subject": "observer",
    "moderate.console": "moderator",
    "moderate.create_poll": "moderator",
    "moderate.projector_document": "observer",
    "moderate.conference_speakers_settings": "moderator",
    "moderate.item_speakers_settings": "moderator",
    "moderate.open_next_vote": "moderator",
    "public.favicon": "public",
    "admin.dashboard": "staff",
    "admin.organisations": "staff",
    "admin.organisation": "staff",
    "admin.people": "staff",
    "admin.person": "staff",
    "admin.conferences": "staff",
    "admin.conference": "admin",
    "admin.agenda": "admin",
    "admin.agenda_item": "admin",
    "admin.delete_agenda_item": "admin",
    "admin.move_agenda_item": "admin",
    "admin.accreditations": "admin",
    "admin.accreditation": "admin",
    "admin.revoke": "admin",
    "admin.presence": "moderator",
    "admin.import_delegates": "admin",
    "admin.checkin": "moderator",
    "admin.slips": "admin",
    "documents.index": "observer",
    "documents.vote_order": "observer",
    "documents.deadline": "admin",
    "documents.new": "delegate",
    "documents.show": "observer",
    "documents.compare": "observer",
    "documents.edit": "delegate",
    "documents.status": "delegate",
    "documents.cosign": "delegate",
    "documents.withdraw_cosignature": "delegate",
    "documents.position": "moderator",
    "documents.translate": "admin",
    "documents.amend": "delegate",
    "documents.amendment": "observer",
    "documents.revise": "delegate",
    "documents.withdraw_amendment": "delegate",
    "documents.admit_amendment": "moderator",
    "documents.take_over": "moderator",
    "documents.merge": "moderator",
    "documents.group_list": "observer",
    "documents.group_create": "moderator",
    "documents.group": "observer",
    "documents.group_member": "moderator",
    "documents.group_demand": "delegate",
    "documents.group_hand_over": "moderator",
    "voting.manage": "moderator",
    "voting.open_poll": "moderator",
    "voting.close_poll": "moderator",
    "voting.cancel_poll": "moderator",
    "voting.paper": "moderator",
    "voting.settings": "admin",
    "voting.proxies": "moderator",
    "voting.revoke_proxy": "moderator",
    "voting.results": "public",
    "voting.poll": "public",
    "voting.board": "public",
    "voting.check_ballot": "public",
    "trustees.page": "observer",
    "trustees.appoint": "moderator",
    "voting.projector": "observer",
    "voting.audit_log": "public",
    "api.auth_join": "public",
    "api.auth_tokens": "staff",
    "api.auth_revoke": "signed_in",
    "api.polls": "public",
    "api.create_poll": "signed_in",
    "api.poll": "public",
    "api.open_poll": "signed_in",
    "api.close_poll": "signed_in",
    "api.cancel_poll": "signed_in",
    "api.cast_ballot": "signed_in",
    "api.poll_ballots": "public",
    "api.audit": "public",
    "api.conference": "public",
    "api.documents": "public",
    "api.document": "public",
    "api.versions": "public",
    "api.version": "public",
    "api.amendments": "public",
    "api.results": "public",
    "api.search": "public",
    "api.openapi": "public",
}

#: socket event → the weakest level that may send it.
SOCKET_ACCESS = {
    "trustee_state": "observer",
    "trustee_transport_key": "observer",
    "trustee_dealing": "observer",
    "trustee_confirm": "observer",
    "trustee_decrypt": "observer",
    "watch_conference": "observer",
    "watch_documents": "observer",
    "set_current_item": "moderator",
    "set_projector": "moderator",
    "request_to_speak": "delegate",
    "withdraw_speech": "delegate",
    "speakers_add": "moderator",
    "speakers_remove": "moderator",
    "speakers_reorder": "moderator",
    "speakers_start": "moderator",
    "speakers_stop": "moderator",
    "speakers_next": "moderator",
    "speakers_close": "moderator",
    "cast_ballot": "delegate",
    "poll_state": "observer",
    "watch_projector": "observer",
}

ROLES = ["anonymous", "observer", "delegate", "moderator", "admin", "staff"]


def allowed(level: str, role: str) -> bool:
    if level == "public":
        return True
    if role == "anonymous":
        return False
    if level == "signed_in":
        return True
    if level == "staff":
        return role == "staff"
    rank = ROLE_RANK["admin"] if role == "staff" else ROLE_RANK[role]
    return rank >= ROLE_RANK[level]


@pytest.fixture
def matrix(app, world, auth):
    """Clients signed in as each role, and values for every URL argument."""
    staff = world.staff
    admin_person = directory.save_person(staff, display_name="Ada Admin")
    admin_acc = conferences.save_accreditation(
        staff, world.conference.id, person_id=admin_person.id, role="admin"
    )
    admin_code = access.issue_access_code(admin_acc.id, staff)
    # Staff running the conference are accredited there too (as its admin).
    conferences.save_accreditation(staff, world.conference.id, person_id=staff.id, role="admin")
    target_person = directory.save_person(staff, display_name="Tara Target")
    target = conferences.save_accreditation(
        staff, world.conference.id, person_id=target_person.id, role="delegate"
    )
    item = conferences.save_agenda_item(staff, world.conference.id, number="TOP 9", title="Test")
    # A submitted resolution of the delegate's organisation with an amendment of theirs, and a
    # working group the delegate takes part in.
    document = documents.create_document(
        world.delegate.person,
        world.conference.id,
        kind="resolution",
        title="Test",
        body="Erster Absatz.\n\nZweiter Absatz.",
        submit=True,
    )
    amendment = documents.file_amendment(
        world.delegate.person,
        world.conference.id,
        document.id,
        base_version_id=document.current_version_id,
        changes={1: "Zweiter, geänderter Absatz."},
    )
    group = documents.create_working_group(staff, world.conference.id, name="AG Test")
    documents.add_member(staff, world.conference.id, group.id, world.delegate.id)
    poll, proxy = closed_poll_and_proxy(world)
    clients = {}
    for role, code in [
        ("observer", world.codes[world.observer.id]),
        ("delegate", world.codes[world.delegate.id]),
        ("moderator", world.codes[world.moderator.id]),
        ("admin", admin_code),
    ]:
        client = app.test_client()
        auth.join(client, code)
        clients[role] = client
    clients["staff"] = app.test_client()
    auth.sign_in_staff(clients["staff"])
    clients["anonymous"] = app.test_client()
    args = {
        "conference_id": world.conference.id,
        "organisation_id": world.org_b.id,
        "person_id": target_person.id,
        "item_id": item.id,
        "accreditation_id": target.id,
        "code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG",
        "filename": "css/app.css",
        "document_id": document.id,
        "amendment_id": amendment.id,
        "group_id": group.id,
        "poll_id": poll.id,
        "proxy_id": proxy.id,
        "number": document.number,
        "version_number": 1,
    }
    return clients, args


def _url(rule, args) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(args[name]), path)
    return path


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ROUTE_ACCESS.keys() == set(), "routes without a row in ROUTE_ACCESS"
    assert ROUTE_ACCESS.keys() - endpoints == set(), "rows for routes that no longer exist"


def test_declared_levels_match_the_matrix(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "access_level", None) == ROUTE_ACCESS[rule.endpoint], rule.endpoint


def test_every_role_against_every_route(app, matrix):
    clients, args = matrix
    checked = 0
    # Signing out last, so every other route is tried while signed in.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint == "auth.logout")
    for rule in rules:
        level = ROUTE_ACCESS[rule.endpoint]
        url = _url(rule, args)
        for role in ROLES:
            client = clients[role]
            method = "GET" if "GET" in rule.methods else "POST"
            data = {"csrf_token": csrf_token(client, "/")} if method == "POST" else None
            response = client.open(url, method=method, data=data)
            response.close()  # a static file comes as an open file; the checks need no body
            refused = response.status_code in (401, 403) or (
                response.status_code == 302
                and "/login" in response.headers.get("Location", "")
                and rule.endpoint != "auth.logout"
            )
            expected = allowed(level, role)
            assert refused != expected, f"{role} {method} {url}: {response.status_code}"
            assert response.status_code < 500, f"{role} {method} {url}: server error"
            checked += 1
    assert checked >= len(ROUTE_ACCESS) * len(ROLES) - len(ROLES)


def test_every_socket_event_is_in_the_matrix(app):
    assert EVENT_ACCESS == SOCKET_ACCESS


def test_every_role_against_every_socket_event(app, world, matrix):
    clients, _args = matrix
    for event, level in SOCKET_ACCESS.items():
        for role in ROLES:
            if role == "anonymous":
                continue  # refused at connect; see test_socket.py
            sio = socket_client(app, clients[role])
            assert sio.is_connected()
            reply = sio.emit(event, {"conference_id": world.conference.id}, callback=True)
            # Allowed roles may still get a 4xx for the bare payload, but never a refusal.
            refused = reply.get("ok") is False and reply.get("status") == 403
            assert refused != allowed(level, role), f"{role} {event}: {reply}"
            sio.disconnect()
