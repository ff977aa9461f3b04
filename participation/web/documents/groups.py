"""Working group routes: the groups of a conference, one group's page, its members, the
demands it collects and handing its catalogue over to the plenary."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from participation.extensions import signed_in
from participation.services import documents as docs
from participation.services.conferences import get_conference
from participation.web import presenters
from participation.web.access import access
from participation.web.documents.blueprint import GROUP, PREFIX, bp
from participation.web.documents.common import as_int, back_to, optional_int, viewer_in


@bp.get(PREFIX + "/groups")
@access("observer")
def group_list(conference_id: int):
    conference = get_conference(conference_id)
    return render_template(
        "documents/groups.html",
        conference=conference,
        groups=docs.groups_of(conference_id),
        viewer=viewer_in(conference_id),
    )


@bp.post(PREFIX + "/groups")
@access("moderator")
def group_create(conference_id: int):
    group = docs.create_working_group(
        signed_in(),
        conference_id,
        name=request.form.get("name", ""),
        description=request.form.get("description", ""),
    )
    flash(_("The working group is created."), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group.id))


@bp.get(GROUP)
@access("observer")
def group(conference_id: int, group_id: int):
    conference = get_conference(conference_id)
    group = docs.get_group(conference_id, group_id)
    viewer = viewer_in(conference_id)
    return render_template(
        "documents/group.html",
        conference=conference,
        group=group,
        viewer=viewer,
        agenda=conference.agenda,
        labels=presenters.status_labels(),
        **presenters.group_context(viewer, group),
    )


@bp.post(GROUP + "/members")
@access("moderator")
def group_member(conference_id: int, group_id: int):
    docs.add_member(
        signed_in(), conference_id, group_id, as_int(request.form.get("accreditation"), _("Person"))
    )
    flash(_("The participant is added."), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group_id))


@bp.post(GROUP + "/demands")
@access("delegate")
def group_demand(conference_id: int, group_id: int):
    section = request.form.get("new_section") or request.form.get("section", "")
    demand = docs.add_demand(
        signed_in(), conference_id, group_id, section=section, text=request.form.get("text", "")
    )
    flash(_("Demand %(label)s is added.", label=demand.label if demand else ""), "success")
    return redirect(url_for(".group", conference_id=conference_id, group_id=group_id))


@bp.post(GROUP + "/hand-over")
@access("moderator")
def group_hand_over(conference_id: int, group_id: int):
    catalogue = docs.hand_over(
        signed_in(),
        conference_id,
        group_id,
        number=request.form.get("number") or None,
        agenda_item_id=optional_int(request.form.get("agenda_item")),
    )
    flash(_("%(number)s is handed to the plenary.", number=catalogue.number), "success")
    return back_to(catalogue)
