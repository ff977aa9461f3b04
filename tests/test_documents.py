"""Documents service: workflow, visibility, amendments, merging, catalogues, translations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participation import clock, events
from participation.extensions import db
from participation.models import Amendment, AuditEntry, Document, Version
from participation.realtime import broadcast
from participation.services import audit, conferences
from participation.services import documents as docs
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.text import apply_changes, diff_blocks, paragraphs
from tests.helpers import CATALOGUE, TEXT, amend, build_world, catalogue, resolution


def labels(document):
    return [(d.label, d.block_index, d.status) for d in document.demands]


# --- creating and the status workflow ---------------------------------------------------------


def test_delegate_creates_a_draft_for_their_organisation(app, world):
    document = docs.create_document(
        world.delegate.person, world.conference.id, kind="resolution", title="T", body=TEXT
    )
    assert document.number == "A1"
    assert document.status == "draft"
    assert docs.organisation_ids(document, "submitter") == {world.org_a.id}
    assert document.current_version.number == 1
    assert document.current_version.body == TEXT
    second = docs.create_document(
        world.delegate.person, world.conference.id, kind="resolution", title="T2", body="Text."
    )
    assert second.number == "A2"


def test_observer_and_delegate_without_organisation_cannot_create(app, world):
    with pytest.raises(NotAllowed):
        docs.create_document(
            world.observer.person, world.conference.id, kind="resolution", title="T", body=TEXT
        )
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_moderator_names_submitters_body_and_number(app, world):
    document = docs.create_document(
        world.moderator.person,
        world.conference.id,
        kind="resolution",
        number="WP8.2",
        title="Bericht",
        body=TEXT,
        organisation_ids=[world.org_a.id, world.org_b.id],
        submitting_body="Sprecher*innenrat",
    )
    assert document.number == "WP8.2"
    assert docs.organisation_ids(document, "submitter") == {world.org_a.id, world.org_b.id}
    assert document.submitting_body == "Sprecher*innenrat"
    with pytest.raises(Conflict):
        docs.create_document(
            world.moderator.person,
            world.conference.id,
            kind="resolution",
            number="WP8.2",
            title="Doppelt",
            body=TEXT,
            submitting_body="Rat",
        )


def test_workflow_allows_only_listed_transitions(app, world):
    cid = world.conference.id
    document = resolution(world, admit=False)
    assert document.status == "submitted"
    with pytest.raises(NotAllowed):
        docs.admit_document(world.delegate.person, cid, document.id)
    docs.admit_document(world.moderator.person, cid, document.id)
    assert document.status == "admitted" and document.admitted_at is not None
    with pytest.raises(Conflict) as refused:
        docs.submit_document(world.moderator.person, cid, document.id)
    assert "admitted" in refused.value.message and "submitted" in refused.value.message
    with pytest.raises(Invalid):
        docs.set_document_status(world.moderator.person, cid, document.id, "adopted")
    docs.refer_document(world.moderator.person, cid, document.id)
    assert document.status == "referred" and document.decided_at is not None
    with pytest.raises(Conflict):
        docs.withdraw_document(world.moderator.person, cid, document.id)


def test_submitters_withdraw_their_own_only(app, world):
    cid = world.conference.id
    document = resolution(world, admit=False)
    with pytest.raises(NotAllowed):  # another organisation reads it, to co-sign, but no more
        docs.withdraw_document(world.delegate_b.person, cid, document.id)
    docs.withdraw_document(world.delegate.person, cid, document.id)
    assert document.status == "withdrawn"
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "document.withdrawn" in actions and "document.created" in actions


# --- visibility -------------------------------------------------------------------------------


def test_drafts_are_seen_by_their_organisation_and_moderators_only(app, world):
    cid = world.conference.id
    draft = docs.create_document(
        world.delegate.person, cid, kind="resolution", title="Geheim", body=TEXT
    )
    assert docs.visible_documents(world.delegate.person, cid) == [draft]
    assert docs.visible_documents(world.moderator.person, cid) == [draft]
    assert docs.visible_documents(world.delegate_b.person, cid) == []
    assert docs.visible_documents(world.observer.person, cid) == []
    with pytest.raises(NotFound):
        docs.get_document(world.delegate_b.person, cid, draft.id)
    docs.submit_document(world.delegate.person, cid, draft.id)
    assert docs.visible_documents(world.delegate_b.person, cid) == [draft]  # to co-sign it
    assert docs.visible_documents(world.observer.person, cid) == []
    assert docs.visible_documents(None, cid) == []
    docs.admit_document(world.moderator.person, cid, draft.id)
    assert docs.visible_documents(world.delegate_b.person, cid) == [draft]
    assert docs.visible_documents(world.observer.person, cid) == [draft]
    assert docs.visible_documents(None, cid) == []


def test_list_filters_by_status_agenda_item_and_organisation(app, world):
    cid = world.conference.id
    item = conferences.save_agenda_item(world.staff, cid, number="TOP 4", title="Anträge")
    first = resolution(world)
    second = resolution(world, by=world.delegate_b.person)
    docs.edit_document(
        world.staff,
        cid,
        second.id,
        base_version_id=second.current_version_id,
        title=second.title,
        body=TEXT,
        agenda_item_id=item.id,
    )
    staff = world.staff
    assert docs.visible_documents(staff, cid, agenda_item_id=item.id) == [second]
    assert docs.visible_documents(staff, cid, organisation_id=world.org_a.id) == [first]
    docs.withdraw_document(world.delegate.person, cid, first.id)
    assert docs.visible_documents(staff, cid, status="withdrawn") == [first]


# --- amendments -------------------------------------------------------------------------------


def test_amendment_is_numbered_per_document_and_names_its_lines(app, world):
    document = resolution(world)
    first = amend(world, document, {1: "Die Kommunen sollen uns früh und verbindlich beteiligen."})
    second = amend(world, document, {"2": "Das Land soll eine mehrjährige Förderung einführen."})
    assert (first.number, second.number) == ("Ä1", "Ä2")
    assert first.status == "admitted" and not first.late
    assert first.organisation_id == world.org_b.id
    version = document.current_version
    assert docs.format_ranges(docs.line_ranges(version, docs.changes_of(first), 80)) == "2"
    # At 40 columns block 1 is on lines 3-5 and block 2 on lines 6-7; only the lines with
    # changed words count.
    both = {**docs.changes_of(first), **docs.changes_of(second)}
    assert docs.format_ranges(docs.line_ranges(version, both, 40)) == "4, 6"
    assert docs.format_ranges(docs.line_ranges(version, {1: "", 2: ""}, 40)) == "3\u20137"
    other = resolution(world)
    assert amend(world, other, {0: "Neu."}).number == "Ä1"


def test_amendment_refuses_bad_input_and_stores_nothing(app, world):
    document = resolution(world)
    base = document.current_version_id
    cases = [
        ({}, Invalid),
        ({1: paragraphs(TEXT)[1]}, Invalid),  # unchanged
        ({9: "Gibt es nicht."}, Invalid),
        ({"x": "Kein Index."}, Invalid),
        ({1: "x" * (docs.MAX_BLOCK + 1)}, Invalid),
        ({1: "Text <script>alert(1)</script>"}, Invalid),
        ({1: "[Klick](javascript:alert(1))"}, Invalid),
        ({1: "<img src=x onerror=alert(1)>"}, Invalid),
    ]
    for changes, error in cases:
        with pytest.raises(error):
            amend(world, document, changes)
    with pytest.raises(Invalid):
        amend(world, document, {1: "Gut."}, reasoning="<b onclick=alert(1)>Grund</b>")
    with pytest.raises(NotAllowed):
        amend(world, document, {1: "Gut."}, by=world.observer.person)
    assert db.session.scalar(select(func.count(Amendment.id))) == 0
    assert document.current_version_id == base


def test_amendment_against_a_version_that_moved_on_is_refused(app, world):
    document = resolution(world)
    old = document.current_version_id
    docs.edit_document(
        world.staff,
        world.conference.id,
        document.id,
        base_version_id=old,
        title=document.title,
        body=TEXT + "\n\nNeuer Schluss.",
    )
    with pytest.raises(Conflict) as refused:
        docs.file_amendment(
            world.delegate_b.person,
            world.conference.id,
            document.id,
            base_version_id=old,
            changes={1: "Anders."},
        )
    assert "version 2" in refused.value.message


def test_amendments_to_drafts_and_decided_documents_are_refused(app, world):
    cid = world.conference.id
    draft = docs.create_document(
        world.delegate.person, cid, kind="resolution", title="T", body=TEXT
    )
    with pytest.raises(Conflict):
        amend(world, draft, {1: "Anders."}, by=world.delegate.person)
    document = resolution(world)
    docs.refer_document(world.moderator.person, cid, document.id)
    with pytest.raises(Conflict):
        amend(world, document, {1: "Anders."})


def test_colliding_amendments_are_those_touching_the_same_blocks(app, world):
    document = resolution(world)
    a = amend(world, document, {1: "Erste Fassung."})
    b = amend(world, document, {1: "Zweite Fassung.", 2: "Auch hier."})
    c = amend(world, document, {3: "Woanders."})
    found = docs.amendment_collisions(document.amendments)
    assert [x.number for x in found[a.id]] == ["Ä2"]
    assert [x.number for x in found[b.id]] == ["Ä1"]
    assert c.id not in found


def test_changes_to_different_words_of_one_paragraph_do_not_collide(app, world):
    document = resolution(world)
    base = document.current_version
    early = amend(
        world,
        document,
        {1: "Die Kommunen sollen Migrant*innenorganisationen früh und verbindlich beteiligen."},
    )
    other = amend(
        world, document, {1: "Alle Kommunen sollen Migrant*innenorganisationen früh beteiligen."}
    )
    clash = amend(
        world, document, {1: "Die Kommunen sollen Migrant*innenorganisationen spät beteiligen."}
    )
    found = docs.amendment_collisions(document.amendments)
    assert other.id not in found
    assert [x.number for x in found[early.id]] == [clash.number]

    # Adopting the first carries the second onto the new version with both changes.
    docs.start_vote("amendment", early.id, world.moderator.person)
    docs.apply_vote_result("amendment", early.id, True, world.moderator.person)
    db.session.commit()
    new = document.current_version
    assert new.id != base.id
    assert not other.needs_review and other.base_version_id == new.id
    assert apply_changes(new.body, docs.changes_of(other)) == apply_changes(
        base.body,
        {1: "Alle Kommunen sollen Migrant*innenorganisationen früh und verbindlich beteiligen."},
    )
    assert clash.needs_review and clash.base_version_id == base.id


def test_free_edit_of_other_words_in_a_paragraph_carries_the_amendment(app, world):
    document = resolution(world)
    sooner = "Das Land soll eine dauerhafte Förderung bald einführen."
    amendment = amend(world, document, {2: sooner})
    body = TEXT.replace("Das Land soll", "Der Freistaat soll")
    version = docs.edit_document(
        world.staff,
        world.conference.id,
        document.id,
        base_version_id=document.current_version_id,
        title="Teilhabe stärken",
        body=body,
    )
    assert not amendment.needs_review and amendment.base_version_id == version.id
    assert docs.changes_of(amendment) == {
        2: "Der Freistaat soll eine dauerhafte Förderung bald einführen."
    }


def test_late_amendment_needs_admission_and_is_hidden_meanwhile(app, world):
    cid = world.conference.id
    document = resolution(world)
    docs.set_amendment_deadline(world.staff, cid, clock.now() - timedelta(hours=1))
    late = amend(world, document, {1: "Zu spät, aber wichtig."})
    assert late.status == "submitted" and late.late and late.admitted_at is None
    assert late not in docs.visible_amendments(world.delegate.person, document)
    assert late in docs.visible_amendments(world.delegate_b.person, document)
    assert late in docs.visible_amendments(world.moderator.person, document)
    with pytest.raises(NotAllowed):
        docs.admit_amendment(world.delegate_b.person, cid, late.id)
    docs.admit_amendment(world.moderator.person, cid, late.id)
    assert late.status == "admitted"
    assert late in docs.visible_amendments(world.delegate.person, document)


def test_only_its_organisation_or_a_moderator_withdraws_an_amendment(app, world):
    cid = world.conference.id
    document = resolution(world)
    mine = amend(world, document, {1: "Meins."})
    with pytest.raises(NotAllowed):
        docs.withdraw_amendment(world.delegate.person, cid, mine.id)
    docs.withdraw_amendment(world.delegate_b.person, cid, mine.id)
    assert mine.status == "withdrawn"
    with pytest.raises(Conflict):
        docs.withdraw_amendment(world.delegate_b.person, cid, mine.id)


# --- merging and versions ---------------------------------------------------------------------


def test_adopting_an_amendment_merges_it_and_carries_or_flags_the_others(app, world):
    cid = world.conference.id
    document = resolution(world)
    base = document.current_version
    adopted = amend(
        world,
        document,
        {
            1: "Die Kommunen sollen uns früh, verbindlich beteiligen.\n\n"
            "Dafür gibt es ein eigenes Budget."
        },
    )
    later = amend(world, document, {2: "Das Land soll eine mehrjährige Förderung einführen."})
    colliding = amend(world, document, {1: "Ganz andere Fassung."})
    docs.start_vote("amendment", adopted.id, world.moderator.person)
    assert adopted.status == "in_vote"
    docs.apply_vote_result("amendment", adopted.id, True, world.moderator.person)
    db.session.commit()

    new = document.current_version
    assert new.number == 2 and new.amendment_id == adopted.id
    assert new.body == apply_changes(base.body, {1: adopted.changes["1"]})
    assert adopted.status == "adopted" and adopted.decided_at is not None
    # The version before is untouched.
    assert db.session.get(Version, base.id).body == TEXT
    # Ä2 moved onto the new version, one block further down (the adopted text has two blocks).
    assert later.base_version_id == new.id and later.changes == {"3": later.changes["3"]}
    assert apply_changes(new.body, docs.changes_of(later)).count("mehrjährige") == 1
    # Ä3 changes the same paragraph: a moderator must look at it.
    assert colliding.needs_review and colliding.base_version_id == base.id
    with pytest.raises(Conflict):
        docs.start_vote("amendment", colliding.id, world.moderator.person)

    # The diff between the versions shows exactly that change.
    _old, _new, entries = docs.compare(document, 1, 2)
    changed = [e for e in entries if e.status != "equal"]
    assert [(e.status, e.old_index, e.new_index) for e in changed] == [
        ("changed", 1, 1),
        ("inserted", None, 2),
    ]
    assert "verbindlich" in changed[0].html and "<ins" in changed[0].html
    assert "Budget" in changed[1].new_text
    assert sum(1 for e in entries if e.status == "equal") == 3
    del cid


def test_take_over_merges_at_once_and_rejected_amendments_change_nothing(app, world):
    cid = world.conference.id
    document = resolution(world)
    taken = amend(world, document, {3: "Wir teilen unsere Erfahrungen und Materialien."})
    rejected = amend(world, document, {0: "Wir stellen nichts fest."})
    with pytest.raises(NotAllowed):
        docs.take_over_amendment(world.delegate.person, cid, taken.id)
    version = docs.take_over_amendment(world.moderator.person, cid, taken.id)
    assert taken.status == "taken_over" and version.number == 2
    assert "Materialien" in version.body
    assert rejected.base_version_id == version.id  # carried
    docs.start_vote("amendment", rejected.id, world.moderator.person)
    docs.apply_vote_result("amendment", rejected.id, False, world.moderator.person)
    db.session.commit()
    assert rejected.status == "rejected"
    assert document.current_version_id == version.id


def test_free_edit_carries_untouched_amendments_and_flags_touched_ones(app, world):
    cid = world.conference.id
    document = resolution(world)
    untouched = amend(world, document, {3: "Wir teilen alles."})
    touched = amend(world, document, {1: "Früher beteiligen."})
    body = "Neuer erster Absatz.\n\n" + TEXT.replace("früh beteiligen", "rechtzeitig beteiligen")
    with pytest.raises(NotAllowed):  # after admission only conference admins edit
        docs.edit_document(
            world.moderator.person,
            cid,
            document.id,
            base_version_id=document.current_version_id,
            title="T",
            body=body,
        )
    version = docs.edit_document(
        world.staff,
        cid,
        document.id,
        base_version_id=document.current_version_id,
        title="Teilhabe stärken",
        body=body,
    )
    assert version.number == 2
    assert untouched.base_version_id == version.id and set(untouched.changes) == {"4"}
    assert touched.needs_review
    with pytest.raises(Conflict):  # stale editor
        docs.edit_document(
            world.staff,
            cid,
            document.id,
            base_version_id=version.id - 1,
            title="T",
            body=TEXT,
        )
    revised = docs.revise_amendment(
        world.delegate_b.person,
        cid,
        touched.id,
        base_version_id=version.id,
        changes={2: "Die Kommunen sollen sofort beteiligen."},
    )
    assert not revised.needs_review and revised.base_version_id == version.id


def test_empty_and_html_texts_are_refused_on_create_and_edit(app, world):
    cid = world.conference.id
    for body in ["", "   \n\n  ", "<script>alert(1)</script>", "x" * (docs.MAX_BODY + 1)]:
        with pytest.raises(Invalid):
            docs.create_document(
                world.delegate.person, cid, kind="resolution", title="T", body=body
            )
    for title in ["", "<b>Fett</b>", "t" * 301]:
        with pytest.raises(Invalid):
            docs.create_document(
                world.delegate.person, cid, kind="resolution", title=title, body=TEXT
            )
    document = resolution(world)
    with pytest.raises(Invalid):
        docs.edit_document(
            world.staff,
            cid,
            document.id,
            base_version_id=document.current_version_id,
            title="T",
            body="",
        )
    assert db.session.scalar(select(func.count(Version.id))) == 1


# --- the voting interface ---------------------------------------------------------------------


def test_document_vote_outcomes(app, world):
    moderator = world.moderator.person
    plain = resolution(world)
    with pytest.raises(Conflict):
        docs.start_vote("document", resolution(world, admit=False).id, moderator)
    docs.start_vote("document", plain.id, moderator)
    db.session.commit()  # the voting service commits its own transaction
    assert plain.status == "in_vote"
    with pytest.raises(Conflict):  # no amendments to a document in the vote
        amend(world, plain, {1: "Zu spät."})
    docs.cancel_vote("document", plain.id, moderator)
    assert plain.status == "admitted"
    docs.start_vote("document", plain.id, moderator)
    docs.apply_vote_result("document", plain.id, True, moderator)
    assert plain.status == "adopted" and plain.decided_at is not None

    amended = resolution(world)
    change = amend(world, amended, {1: "Besser."})
    docs.start_vote("amendment", change.id, moderator)
    docs.apply_vote_result("amendment", change.id, True, moderator)
    docs.start_vote("document", amended.id, moderator)
    docs.apply_vote_result("document", amended.id, True, moderator)
    assert amended.status == "adopted_amended"

    lost = resolution(world)
    docs.start_vote("document", lost.id, moderator)
    docs.apply_vote_result("document", lost.id, False, moderator)
    assert lost.status == "rejected"
    db.session.commit()
    assert audit.verify().ok


def test_amendment_vote_cancel_and_refusals(app, world):
    moderator = world.moderator.person
    document = resolution(world)
    change = amend(world, document, {1: "Besser."})
    docs.start_vote("amendment", change.id, moderator)
    db.session.commit()
    with pytest.raises(Conflict):
        docs.start_vote("amendment", change.id, moderator)
    with pytest.raises(Conflict):  # cannot be withdrawn during the vote
        docs.withdraw_amendment(world.delegate_b.person, world.conference.id, change.id)
    docs.cancel_vote("amendment", change.id, moderator)
    assert change.status == "admitted"
    with pytest.raises(Invalid):
        docs.start_vote("poll", 1, moderator)
    with pytest.raises(NotFound):
        docs.start_vote("amendment", 999, moderator)


def test_describe_target_labels(app, world):
    document = resolution(world)
    change = amend(world, document, {1: "Besser."})
    cat = catalogue(world)
    demand = cat.demands[3]
    assert docs.describe_target("document", document.id) == {
        "kind": "document",
        "id": document.id,
        "conference_id": world.conference.id,
        "label": "A1",
        "title": "Teilhabe stärken",
    }
    described = docs.describe_target("amendment", change.id)
    assert described["label"].startswith("Ä1 ") and described["label"].endswith(" A1")
    assert docs.describe_target("demand", demand.id)["label"] == "K1 2.2"
    assert docs.describe_target("demand", demand.id)["title"] == "Anonyme Bewerbungen"


def test_vote_order_puts_amendments_in_line_order_before_their_document(app, world):
    cid = world.conference.id
    document = resolution(world)
    late_lines = amend(world, document, {3: "Schluss."})
    early_lines = amend(world, document, {0: "Anfang."})
    withdrawn = amend(world, document, {2: "Weg damit."})
    docs.withdraw_amendment(world.delegate_b.person, cid, withdrawn.id)
    cat = catalogue(world)
    resolution(world, admit=False)
    groups_ = docs.vote_order(world.observer.person, cid)
    entries = [(e.kind, e.label) for _item, items in groups_ for e in items]
    assert entries[:3] == [
        ("amendment", docs.describe_target("amendment", early_lines.id)["label"]),
        ("amendment", docs.describe_target("amendment", late_lines.id)["label"]),
        ("document", "A1"),
    ]
    assert entries[3:] == [("demand", f"K1 {d.label}") for d in cat.demands] + [("document", "K1")]


# --- catalogues -------------------------------------------------------------------------------


def test_catalogue_demands_are_numbered_by_order_until_admitted(app, world):
    cid = world.conference.id
    cat = catalogue(world, admit=False)
    assert cat.current_version.body.startswith("## 1. Bildung")
    assert labels(cat) == [
        ("1.1", 1, "open"),
        ("1.2", 2, "open"),
        ("2.1", 4, "open"),
        ("2.2", 5, "open"),
        ("3.1", 7, "open"),
    ]
    body = CATALOGUE.replace("- Mehr Lehrkräfte\n", "")
    docs.edit_document(
        world.delegate.person,
        cid,
        cat.id,
        base_version_id=cat.current_version_id,
        title=cat.title,
        body=body,
    )
    assert [d.label for d in cat.demands] == ["1.1", "2.1", "2.2", "3.1"]
    assert cat.demands[0].block_index == 1
    with pytest.raises(Invalid):
        docs.edit_document(
            world.delegate.person,
            cid,
            cat.id,
            base_version_id=cat.current_version_id,
            title=cat.title,
            body="## Nur eine Überschrift",
        )


def test_catalogue_numbering_is_frozen_once_admitted(app, world):
    cid = world.conference.id
    cat = catalogue(world)
    insert = amend(world, cat, {1: "- Mehr Lehrkräfte\n- Mehr Schulpsycholog*innen"})
    docs.take_over_amendment(world.moderator.person, cid, insert.id)
    assert labels(cat) == [
        ("1.1", 1, "open"),
        ("1.1a", 2, "open"),
        ("1.2", 3, "open"),
        ("2.1", 5, "open"),
        ("2.2", 6, "open"),
        ("3.1", 8, "open"),
    ]
    # An amendment rewording a demand keeps its label.
    reword = amend(world, cat, {6: "- Anonymisierte Bewerbungen im ganzen öffentlichen Dienst"})
    docs.start_vote("amendment", reword.id, world.moderator.person)
    docs.apply_vote_result("amendment", reword.id, True, world.moderator.person)
    db.session.commit()
    assert ("2.2", 6, "open") in labels(cat)
    assert "öffentlichen Dienst" in paragraphs(cat.current_version.body)[6]


def test_demands_are_voted_on_singly_and_rejected_ones_leave_the_text(app, world):
    moderator = world.moderator.person
    cat = catalogue(world)
    open_amendment = amend(world, cat, {7: "- Kommunales Wahlrecht für alle"})
    on_rejected = amend(world, cat, {5: "- Anonyme Bewerbungen überall"})
    demand = next(d for d in cat.demands if d.label == "2.2")
    other = next(d for d in cat.demands if d.label == "1.1")
    docs.start_vote("demand", other.id, moderator)
    docs.apply_vote_result("demand", other.id, True, moderator)
    docs.start_vote("demand", demand.id, moderator)
    assert demand.status == "in_vote"
    docs.apply_vote_result("demand", demand.id, False, moderator)
    db.session.commit()
    assert demand.status == "rejected" and demand.block_index is None
    assert other.status == "adopted"
    assert "Anonyme Bewerbungen" not in cat.current_version.body
    assert cat.current_version.number == 2
    assert ("3.1", 6, "open") in labels(cat)
    assert open_amendment.base_version_id == cat.current_version_id
    assert docs.changes_of(open_amendment) == {6: "- Kommunales Wahlrecht für alle"}
    assert on_rejected.needs_review
    with pytest.raises(Conflict):
        docs.start_vote("demand", demand.id, moderator)
    # The final vote waits until every amendment is decided, and says which are not.
    with pytest.raises(Conflict, match=f"{open_amendment.number} .*{on_rejected.number} "):
        docs.start_vote("document", cat.id, moderator)
    for amendment in (open_amendment, on_rejected):
        docs.withdraw_amendment(moderator, world.conference.id, amendment.id)
    docs.start_vote("document", cat.id, moderator)
    docs.apply_vote_result("document", cat.id, True, moderator)
    assert cat.status == "adopted_amended"


# --- translations -----------------------------------------------------------------------------


def test_translations_by_staff_record_their_version_and_go_out_of_date(app, world):
    cid = world.conference.id
    conferences.save_conference(
        world.staff,
        conference_id=cid,
        title="Testkonferenz",
        number=3,
        status="running",
        languages=["de", "ar", "en"],
    )
    document = resolution(world)
    with pytest.raises(NotAllowed):
        docs.save_translation(
            world.moderator.person, cid, document.id, language="ar", title="ع", body="نص"
        )
    with pytest.raises(Invalid):
        docs.save_translation(world.staff, cid, document.id, language="tr", title="T", body="M")
    with pytest.raises(Invalid):
        docs.save_translation(world.staff, cid, document.id, language="de", title="T", body="M")
    translation = docs.save_translation(
        world.staff, cid, document.id, language="ar", title="المشاركة", body="نص القرار."
    )
    assert translation.version_id == document.current_version_id
    assert docs.translated_languages(document) == ["ar"]
    change = amend(world, document, {1: "Besser."})
    docs.take_over_amendment(world.moderator.person, cid, change.id)
    latest = docs.latest_translation(document, "ar")
    assert latest.id == translation.id and latest.version_id != document.current_version_id


# --- working groups ---------------------------------------------------------------------------


def test_working_group_collects_demands_and_hands_them_over(app, world):
    cid = world.conference.id
    moderator = world.moderator.person
    with pytest.raises(NotAllowed):
        docs.create_working_group(world.delegate.person, cid, name="AG")
    group = docs.create_working_group(moderator, cid, name="AG Bildung")
    docs.add_member(moderator, cid, group.id, world.delegate.id)
    with pytest.raises(Conflict):
        docs.add_member(moderator, cid, group.id, world.delegate.id)
    first = docs.add_demand(
        world.delegate.person, cid, group.id, section="Schule", text="Mehr Lehrkräfte"
    )
    docs.add_demand(world.delegate.person, cid, group.id, section="Kita", text="Mehr Plätze")
    second = docs.add_demand(moderator, cid, group.id, section="schule", text="Kleine Klassen")
    assert (first.label, second.label) == ("1.1", "1.2")
    with pytest.raises(NotAllowed):
        docs.add_demand(world.delegate_b.person, cid, group.id, section="S", text="Nein")
    draft = docs.draft_of(group)
    assert draft.status == "draft"
    assert draft.current_version.body == (
        "## 1. Schule\n\n- Mehr Lehrkräfte\n- Kleine Klassen\n\n## 2. Kita\n\n- Mehr Plätze"
    )
    # Members and moderators see the draft; other delegates do not.
    assert docs.may_read(docs.viewer_for(world.delegate.person, cid), draft)
    assert not docs.may_read(docs.viewer_for(world.delegate_b.person, cid), draft)
    with pytest.raises(NotAllowed):
        docs.hand_over(world.delegate.person, cid, group.id)
    handed = docs.hand_over(moderator, cid, group.id, number="K7")
    assert handed.number == "K7" and handed.status == "submitted"
    assert handed.submitting_body == "AG Bildung"
    assert docs.draft_of(group) is None
    with pytest.raises(Conflict):
        docs.hand_over(moderator, cid, group.id)


# --- live events ------------------------------------------------------------------------------


def test_events_leave_only_after_commit_and_carry_ids_only(app, world):
    sent = []
    events.set_sink(sent.append)
    try:
        document = resolution(world)
        sent.clear()
        amend(world, document, {1: "Besser."})
        rooms = {(e.name, e.room) for e in sent}
        assert ("document_changed", f"document:{document.id}") in rooms
        assert ("documents_changed", f"conference:{world.conference.id}") in rooms
        for event in sent:
            assert set(event.payload) <= {"conference_id", "document_id"}
        sent.clear()
        with pytest.raises(Invalid):
            amend(world, document, {1: "<b>fett</b>"})
        assert sent == []
    finally:
        events.set_sink(broadcast)


def test_the_whole_cycle_on_every_database(any_db_app):
    """Filing, merging, carrying and demand numbering on SQLite and PostgreSQL."""
    world = build_world()
    document = resolution(world)
    first = amend(world, document, {1: "Früh und verbindlich beteiligen.\n\nMit Budget."})
    second = amend(world, document, {3: "Wir teilen alles."})
    docs.start_vote("amendment", first.id, world.moderator.person)
    docs.apply_vote_result("amendment", first.id, True, world.moderator.person)
    db.session.commit()
    assert document.current_version.number == 2
    assert docs.changes_of(second) == {4: "Wir teilen alles."}
    cat = catalogue(world)
    docs.take_over_amendment(
        world.moderator.person,
        world.conference.id,
        amend(world, cat, {2: "- Kleinere Klassen\n- Mehr Ganztag"}).id,
    )
    assert [d.label for d in cat.demands] == ["1.1", "1.2", "1.2a", "2.1", "2.2", "3.1"]
    assert [e.status for e in diff_blocks(TEXT, document.current_version.body)].count("equal") == 3
    assert audit.verify().ok
