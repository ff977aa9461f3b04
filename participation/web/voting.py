"""Voting pages: the moderators' poll desk, proxies, the projector, results, the audit trail."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from participation.models import Person
from participation.services import audit_public, trustees, voting
from participation.services import conferences as conference_service
from participation.services.authz import allows
from participation.services.errors import DomainError
from participation.web import audit_log as audit_log_view
from participation.web.access import access
from participation.web.forms import WholeNumberField

bp = Blueprint("voting", __name__)

#: Entries per page of the public audit trail.
AUDIT_PAGE = 100
#: Larger sequence numbers in a link are read as this (the database's integers end there).
MAX_SEQ = 2**31 - 1

MAJORITY_CHOICES = [
    ("simple", _l("Simple majority (more yes than no)")),
    ("absolute", _l("Absolute majority (more than half of the votes cast)")),
    ("two_thirds", _l("Two-thirds majority (of yes and no votes)")),
    ("absolute_eligible", _l("Absolute majority of the eligible")),
]
QUORUM_CHOICES = [
    ("none", _l("No quorum")),
    ("weight_share", _l("Share of the eligible votes that must take part")),
    ("organisations_count", _l("Number of member organisations represented")),
    ("organisations_share", _l("Share of member organisations represented")),
]
METHOD_CHOICES = [
    ("approval", _l("Approve up to as many candidates as there are seats")),
    ("candidate_yes_no_abstain", _l("Yes, no or abstain for each candidate")),
]


class PollForm(FlaskForm):
    target = SelectField(_l("What is decided"), default="question")
    title = StringField(_l("Title (optional for documents)"), validators=[Length(max=300)])
    question = TextAreaField(_l("Question or note"), validators=[Length(max=5000)])
    secret = BooleanField(_l("Secret ballot"))
    majority = SelectField(_l("Majority"), choices=MAJORITY_CHOICES)
    quorum_kind = SelectField(_l("Quorum"), choices=QUORUM_CHOICES)
    quorum = StringField(_l("Quorum value (a share such as 1/2, or a number)"))
    method = SelectField(_l("Elections: answers"), choices=METHOD_CHOICES)
    seats = WholeNumberField(
        _l("Elections: seats"), default=1, validators=[Optional(), NumberRange(1, 100)]
    )
    candidates = TextAreaField(_l("Elections: candidates, one per line"))
    duration = WholeNumberField(
        _l("Countdown in seconds (empty: close by hand)"),
        validators=[Optional(), NumberRange(0, 24 * 3600)],
    )


class SettingsForm(FlaskForm):
    secret = BooleanField(_l("Secret ballots by default"))
    majority = SelectField(_l("Majority"), choices=MAJORITY_CHOICES)
    quorum_kind = SelectField(_l("Quorum"), choices=QUORUM_CHOICES)
    quorum = StringField(_l("Quorum value (a share such as 1/2, or a number)"))
    votes_per_organisation = WholeNumberField(
        _l("Votes per member organisation, shared by its present delegates (empty: per person)"),
        validators=[Optional(), NumberRange(1, 1000)],
    )
    max_proxies_per_holder = WholeNumberField(
        _l("Proxy votes one delegate may hold"), default=1, validators=[NumberRange(1, 1000)]
    )
    quorum_base = SelectField(
        _l("Quorum and absolute majority of the eligible count against"),
        choices=[
            ("present", _l("the votes present at the opening")),
            ("members", _l("all accredited members with voting right, present or not")),
        ],
        default="present",
    )
    secret_min_ballots = WholeNumberField(
        _l("Fewest ballots from which a secret result is published"),
        default=3,
        validators=[NumberRange(1, 1000)],
    )
    unencrypted_secret = BooleanField(
        _l(
            "Allow secret ballots without trustees (not encrypted: secret from the hall, "
            "not from whoever holds the database)"
        )
    )


class ProxyForm(FlaskForm):
    giver_id = SelectField(_l("Delegate who gives the vote"), coerce=int)
    holder_id = SelectField(_l("Delegate of the same organisation who casts it"), coerce=int)


@bp.context_processor
def _helpers() -> dict:
    return {
        "outcome_label": outcome_label,
        "majority_label": lambda rule: dict(MAJORITY_CHOICES).get(rule, rule),
    }


def outcome_label(outcome: str) -> str:
    return {
        "adopted": _("Adopted"),
        "rejected": _("Rejected"),
        "tie": _("Tie – not adopted"),
        "not_quorate": _("Not quorate"),
        "elected": _("Elected"),
        "none_elected": _("Nobody elected"),
    }.get(outcome, outcome)


def _actor() -> Person:
    return current_user.person


# --- the moderators' desk ---------------------------------------------------------------------


@bp.route("/c/<int:conference_id>/polls", methods=["GET", "POST"])
@access("moderator")
def manage(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    defaults = voting.voting_settings(conference)
    form = poll_form(conference)
    if create_from(form, conference.id):
        return redirect(url_for(".manage", conference_id=conference.id))
    settings_form = SettingsForm(
        formdata=None,
        data={**defaults, "quorum": str(defaults["quorum"])},
    )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "voting/manage.html",
        settings_form=settings_form,
        can_set=allows(current_user, "admin", conference.id),
        **desk_context(conference, form),
    ), status


def poll_form(conference) -> PollForm:
    """The new-poll form with what can go to the vote now, prefilled with the defaults."""
    defaults = voting.voting_settings(conference)
    form = PollForm()
    form.target.choices = [
        ("question", _("Procedural question (free text)")),
        ("election", _("Election of persons")),
        *voting.target_choices(current_user, conference.id),
    ]
    if request.method == "GET":
        wanted = request.args.get("target", "")
        if wanted in dict(form.target.choices):
            form.target.data = wanted
        form.secret.data = bool(defaults["secret"])
        form.majority.data = defaults["majority"]
        form.quorum_kind.data = defaults["quorum_kind"]
        form.quorum.data = str(defaults["quorum"])
        form.duration.data = defaults["duration_seconds"]
    return form


def create_from(form: PollForm, conference_id: int) -> bool:
    """Create the poll a submitted form describes; False leaves the errors on the form, to be
    shown again on the page it came from (the poll desk or the console)."""
    if not form.validate_on_submit():
        return False
    try:
        voting.create_poll(_actor(), conference_id, **_poll_fields(form))
    except DomainError as error:
        form.form_errors.append(error.message)
        return False
    flash(_("Poll created. Open it when the plenary is ready."), "success")
    return True


def desk_context(conference, form: PollForm) -> dict:
    """What the poll desk shows, on its own page and in the console."""
    current = voting.open_poll_of(conference.id)
    return {
        **_helpers(),
        "conference": conference,
        "form": form,
        "polls": voting.polls_of(conference.id),
        "current": current,
        "turnout": voting.moderator_turnout(current) if current else None,
        "min_ballots": voting.min_ballots(current) if current else 0,
        "trustees_ready": trustees.ready_ceremony(conference.id) is not None,
    }


def _poll_fields(form: PollForm) -> dict:
    kind, _sep, target_id = form.target.data.partition(":")
    return {
        "title": form.title.data,
        "target_kind": kind,
        "target_id": int(target_id) if target_id.isdigit() else None,
        "question": form.question.data or "",
        "secret": form.secret.data,
        "majority": form.majority.data,
        "quorum_kind": form.quorum_kind.data,
        "quorum": form.quorum.data,
        "method": form.method.data if kind == "election" else None,
        "seats": form.seats.data or 1,
        "candidates": (form.candidates.data or "").splitlines(),
        "duration_seconds": form.duration.data or 0,
    }


def _act(action, message: str):
    """Run a moderator's action from a button; show a refusal instead of an error page."""
    try:
        result = action()
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(message, "success")
        return result
    return None


def _back(conference_id: int):
    """Back to the desk the action came from: the poll desk or the moderators' console."""
    if request.args.get("back") == "console":
        return redirect(url_for("moderate.console", conference_id=conference_id))
    return redirect(url_for(".manage", conference_id=conference_id))


@bp.post("/c/<int:conference_id>/polls/<int:poll_id>/open")
@access("moderator")
def open_poll(conference_id: int, poll_id: int):
    _act(
        lambda: voting.open_poll(_actor(), conference_id, poll_id),
        _("The poll is open."),
    )
    return _back(conference_id)


@bp.post("/c/<int:conference_id>/polls/<int:poll_id>/close")
@access("moderator")
def close_poll(conference_id: int, poll_id: int):
    _act(
        lambda: voting.close_poll(_actor(), conference_id, poll_id),
        _("The poll is closed."),
    )
    return _back(conference_id)


@bp.post("/c/<int:conference_id>/polls/<int:poll_id>/cancel")
@access("moderator")
def cancel_poll(conference_id: int, poll_id: int):
    _act(
        lambda: voting.cancel_poll(_actor(), conference_id, poll_id),
        _("The poll was cancelled."),
    )
    return _back(conference_id)


@bp.post("/c/<int:conference_id>/polls/<int:poll_id>/paper")
@access("moderator")
def paper(conference_id: int, poll_id: int):
    """Counts from a show of hands or paper ballots."""
    form = request.form
    counts: dict[str, object] = {
        "yes": form.get("yes", ""),
        "no": form.get("no", ""),
        "abstain": form.get("abstain", ""),
        "ballots": form.get("ballots", ""),
        "approvals": {
            key.removeprefix("approve-"): value
            for key, value in form.items()
            if key.startswith("approve-")
        },
    }
    candidates: dict[str, dict[str, str]] = {}
    for key, value in form.items():
        vote, _sep, candidate = key.partition("-")
        if vote in ("yes", "no", "abstain") and candidate.isdigit():
            candidates.setdefault(candidate, {})[vote] = value
    counts["candidates"] = candidates
    _act(
        lambda: voting.record_paper_result(_actor(), conference_id, poll_id, counts),
        _("The counts are recorded."),
    )
    return _back(conference_id)


@bp.post("/c/<int:conference_id>/polls/settings")
@access("admin")
def settings(conference_id: int):
    form = SettingsForm()
    if not form.validate_on_submit():
        flash(" ".join(sum(form.errors.values(), [])) or _("Please check the form."), "error")
        return _back(conference_id)
    _act(
        lambda: voting.set_voting_settings(
            _actor(),
            conference_id,
            secret=form.secret.data,
            majority=form.majority.data,
            quorum_kind=form.quorum_kind.data,
            quorum=form.quorum.data or "1/2",
            votes_per_organisation=form.votes_per_organisation.data or None,
            max_proxies_per_holder=form.max_proxies_per_holder.data or 1,
            secret_min_ballots=form.secret_min_ballots.data,
            quorum_base=form.quorum_base.data,
            unencrypted_secret=form.unencrypted_secret.data,
        ),
        _("Voting settings saved."),
    )
    return _back(conference_id)


# --- proxies -----------------------------------------------------------------------------------


@bp.route("/c/<int:conference_id>/proxies", methods=["GET", "POST"])
@access("moderator")
def proxies(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    form = ProxyForm()
    choices = voting.proxy_choices(conference.id)
    form.giver_id.choices = choices
    form.holder_id.choices = choices
    if form.validate_on_submit():
        try:
            voting.record_proxy(_actor(), conference.id, form.giver_id.data, form.holder_id.data)
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("The proxy is recorded. It applies to polls opened from now on."), "success")
            return redirect(url_for(".proxies", conference_id=conference.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "voting/proxies.html",
        conference=conference,
        form=form,
        proxies=voting.proxies_of(conference.id),
    ), status


@bp.post("/c/<int:conference_id>/proxies/<int:proxy_id>/revoke")
@access("moderator")
def revoke_proxy(conference_id: int, proxy_id: int):
    _act(
        lambda: voting.revoke_proxy(_actor(), conference_id, proxy_id),
        _("The proxy is revoked."),
    )
    return redirect(url_for(".proxies", conference_id=conference_id))


# --- for everyone ------------------------------------------------------------------------------


@bp.get("/c/<int:conference_id>/votes")
@access("public")
def results(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    polls = [p for p in voting.polls_of(conference.id) if p.state in ("open", "counting", "closed")]
    return render_template("voting/results.html", conference=conference, polls=polls)


@bp.get("/c/<int:conference_id>/votes/<int:poll_id>")
@access("public")
def poll(conference_id: int, poll_id: int):
    """A poll's result with the rule and numbers, its trackers and ballots; ``?partial=result``
    gives only the result block, for live screens to insert."""
    conference = conference_service.get_conference(conference_id)
    poll = voting.get_poll(poll_id, conference.id)
    if poll.state == "draft" and not allows(current_user, "moderator", conference.id):
        abort(404)
    if request.args.get("partial") == "result":
        return render_template("voting/_result_partial.html", poll=poll)
    published = voting.published_ballots(poll)
    wanted = (request.args.get("tracker") or "").strip().lower().replace(" ", "")[:64]
    return render_template(
        "voting/poll.html",
        conference=conference,
        poll=poll,
        published=published,
        wanted=wanted,
        found=wanted in published["trackers"] if wanted else None,
    )


@bp.get("/c/<int:conference_id>/votes/<int:poll_id>/board.json")
@access("public")
def board(conference_id: int, poll_id: int):
    """An encrypted poll's ballot board (see :mod:`participation.services.voting.board`)."""
    conference = conference_service.get_conference(conference_id)
    poll = voting.get_poll(poll_id, conference.id)
    found = voting.ballot_board(poll)
    if found is None:
        abort(404)
    response = jsonify(found)
    response.headers["Content-Disposition"] = f'inline; filename="board-{poll.id}.json"'
    return response


@bp.get("/c/<int:conference_id>/check-ballot")
@access("public")
def check_ballot(conference_id: int):
    """Benaloh's check on a second device: what a ballot the phone encrypted for checking
    (and never cast) contains, opened in this browser (``static/js/check_ballot.js``)."""
    conference = conference_service.get_conference(conference_id)
    ceremony = trustees.ready_ceremony(conference.id)
    return render_template(
        "voting/check_ballot.html",
        conference=conference,
        public_key=ceremony.public_key if ceremony else "",
    )


@bp.get("/c/<int:conference_id>/projector")
@access("observer")
def projector(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    return render_template("voting/projector.html", conference=conference)


@bp.get("/audit")
@access("public")
def audit_log():
    """The public audit trail, newest first; ``?before=<seq>`` pages back in time."""
    before = request.args.get("before", "")
    page = voting.audit_page(
        limit=AUDIT_PAGE,
        newest_first=True,
        before=min(int(before), MAX_SEQ) if before.isdigit() else None,
    )
    verification = records = None
    if request.args.get("verify") == "1":
        verification = voting.verify_public()
        records = audit_log_view.records_check(voting.check_polls())
    noted = (request.args.get("noted") or "").strip().lower()[:64]
    entries = audit_log_view.entry_views(
        page["entries"], audit_public.public_names(page["entries"])
    )
    return render_template(
        "voting/audit.html",
        page=page,
        entries=entries,
        older=entries[-1].seq if entries and entries[-1].seq > 1 else None,
        paged=before.isdigit(),
        zone=str(get_timezone()),
        verification=verification,
        records=records,
        noted=noted,
        noted_seq=voting.seq_of(noted) if noted else None,
    )
