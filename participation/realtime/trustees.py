"""Socket events of the trustee page: the key ceremony's steps and decrypting a poll's totals.

Every step is the trustee's own browser speaking: the server checks the public parts and
refuses anyone who is not a trustee of the conference (the use cases say why).
"""

from __future__ import annotations

from flask_login import current_user

from participation.realtime.handlers import on
from participation.schemas.events import (
    ConferenceEvent,
    TrusteeConfirm,
    TrusteeDealing,
    TrusteeDecryption,
    TrusteeKey,
)
from participation.services import trustees, voting


@on("trustee_state", "observer", ConferenceEvent)
def trustee_state(payload: ConferenceEvent) -> dict:
    """The ceremony, the shares sealed to me and the polls waiting for my decryption."""
    return {"ok": True, "state": trustees.trustee_state(current_user.person, payload.conference_id)}


@on("trustee_transport_key", "observer", TrusteeKey)
def trustee_transport_key(payload: TrusteeKey) -> dict:
    trustees.publish_transport_key(current_user.person, payload.conference_id, payload.key)
    return {"ok": True}


@on("trustee_dealing", "observer", TrusteeDealing)
def trustee_dealing(payload: TrusteeDealing) -> dict:
    dumped = payload.model_dump()
    trustees.publish_dealing(
        current_user.person, payload.conference_id, dumped["dealing"], dumped["sealed"]
    )
    return {"ok": True}


@on("trustee_confirm", "observer", TrusteeConfirm)
def trustee_confirm(payload: TrusteeConfirm) -> dict:
    trustees.confirm_share(
        current_user.person, payload.conference_id, failed_dealer=payload.failed_dealer
    )
    return {"ok": True}


@on("trustee_decrypt", "observer", TrusteeDecryption)
def trustee_decrypt(payload: TrusteeDecryption) -> dict:
    poll = voting.submit_decryption(
        current_user.person,
        payload.conference_id,
        payload.poll_id,
        payload.partial.model_dump(),
    )
    return {"ok": True, "state": poll.state}
