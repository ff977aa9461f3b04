"""Proxies: a delegate's vote cast by another delegate of the same organisation."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from participation import clock, events
from participation.extensions import db
from participation.models import Accreditation, Conference, Organisation, Person, Proxy
from participation.services import audit, authz
from participation.services.errors import Conflict, Invalid, NotFound
from participation.services.unit import use_case
from participation.services.voting.polls import voting_settings


def proxies_of(conference_id: int) -> list[Proxy]:
    return list(
        db.session.scalars(
            select(Proxy).where(Proxy.conference_id == conference_id).order_by(Proxy.id)
        )
    )


def proxy_choices(conference_id: int) -> list[tuple[int, str]]:
    """Delegates with voting right, as (accreditation id, "name (organisation)")."""
    rows = db.session.execute(
        select(Accreditation.id, Person.display_name, Organisation.short_name, Organisation.name)
        .join(Person, Person.id == Accreditation.person_id)
        .outerjoin(Organisation, Organisation.id == Accreditation.organisation_id)
        .where(Accreditation.conference_id == conference_id, Accreditation.voting_right.is_(True))
        .order_by(Person.display_name)
    ).all()
    return [
        (acc_id, f"{name} ({short or organisation})" if organisation else name)
        for acc_id, name, short, organisation in rows
    ]


@use_case
def record_proxy(actor: Person | None, conference_id: int, giver_id: int, holder_id: int) -> Proxy:
    """A delegate's vote goes to another delegate of the same organisation.

    It applies to polls opened from now on; an open poll keeps the eligible set it froze.
    """
    authz.require_actor(actor, "moderator", conference_id)
    conference = db.session.get(Conference, conference_id)
    giver = db.session.get(Accreditation, giver_id)
    holder = db.session.get(Accreditation, holder_id)
    if conference is None or giver is None or holder is None:
        raise NotFound(_("No such accreditation."))
    if giver.conference_id != conference.id or holder.conference_id != conference.id:
        raise NotFound(_("No such accreditation."))
    if giver.id == holder.id:
        raise Invalid(_("A delegate cannot give the vote to themselves."))
    if not (giver.voting_right and holder.voting_right):
        raise Invalid(_("Both must be delegates with voting right."))
    if giver.organisation_id is None or giver.organisation_id != holder.organisation_id:
        raise Invalid(_("A vote can only go to a delegate of the same organisation."))
    existing = proxies_of(conference.id)
    if any(p.giver_id == giver.id for p in existing):
        raise Conflict(_("This delegate has given their vote already."))
    if any(p.holder_id == giver.id for p in existing):
        raise Conflict(_("This delegate holds a vote and cannot give their own."))
    if any(p.giver_id == holder.id for p in existing):
        raise Conflict(_("This delegate has given their own vote and cannot hold one."))
    limit = voting_settings(conference)["max_proxies_per_holder"] or 1
    taken = {p.slot for p in existing if p.holder_id == holder.id}
    free = [slot for slot in range(1, limit + 1) if slot not in taken]
    if not free:
        raise Conflict(_("This delegate holds as many votes as allowed."))
    proxy = Proxy(
        conference_id=conference.id,
        giver_id=giver.id,
        holder_id=holder.id,
        slot=free[0],
        created_by_id=actor.id if actor else None,
        created_at=clock.now(),
    )
    db.session.add(proxy)
    db.session.flush()
    audit.record(
        "proxy.recorded",
        f"proxy:{proxy.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data={"giver": f"accreditation:{giver.id}", "holder": f"accreditation:{holder.id}"},
    )
    events.publish(db.session(), "proxies_changed", f"moderators:{conference.id}", {})
    return proxy


@use_case
def revoke_proxy(actor: Person | None, conference_id: int, proxy_id: int) -> None:
    """End a proxy; polls opened from now on count the giver's vote as the giver's again."""
    authz.require_actor(actor, "moderator", conference_id)
    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None or proxy.conference_id != conference_id:
        raise NotFound(_("No such proxy."))
    audit.record(
        "proxy.revoked",
        f"proxy:{proxy.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "giver": f"accreditation:{proxy.giver_id}",
            "holder": f"accreditation:{proxy.holder_id}",
        },
    )
    db.session.delete(proxy)
    events.publish(db.session(), "proxies_changed", f"moderators:{conference_id}", {})
