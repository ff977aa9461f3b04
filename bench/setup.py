"""Build a benchmark conference through the services, and check a poll's ballots afterwards.

Run against the server's database (the same ``PARTICIPATION_INSTANCE`` / ``DATABASE_URL`` the
server will use), before the server starts::

    python -m bench.setup build --delegates 1000 --observers 1000 --out codes.json
    python -m bench.setup check --poll 1

``build`` prints nothing secret to the terminal; the join codes go to the ``--out`` file.
Setting up is not what is measured, so it trades durability for speed: SQLite runs with
``synchronous=OFF`` and PostgreSQL with ``synchronous_commit=off`` for this process only.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import warnings

from sqlalchemy import event, func, select

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

#: Delegates per member organisation in the benchmark conference.
DELEGATES_PER_ORGANISATION = 20
#: The benchmark conference's agenda: what a day of a network's conference holds.
AGENDA = [
    ("1", "Eröffnung und Begrüßung"),
    ("2", "Wahl der Versammlungsleitung"),
    ("3", "Bericht des Vorstands"),
    ("4", "Anträge zur Bildungspolitik"),
    ("5", "Forderungskatalog Teilhabe"),
    ("6", "Wahl des Vorstands"),
    ("7", "Verschiedenes"),
]
#: Rows per CSV import (the import refuses more than 2,000 at once).
IMPORT_CHUNK = 1000


def _fast_setup_connections(engine) -> None:
    """This process only: skip the fsync per commit (nothing here is what we measure)."""

    @event.listens_for(engine, "connect")
    def _fast(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        if "sqlite" in type(dbapi_connection).__module__:
            cursor.execute("PRAGMA synchronous=OFF")
        else:
            cursor.execute("SET synchronous_commit = off")
        cursor.close()
        if "sqlite" not in type(dbapi_connection).__module__:
            dbapi_connection.commit()


def make_app():
    from participation import create_app

    return create_app()


def build(delegates: int, observers: int, *, encrypted: bool = False) -> dict:
    """A running conference with a moderator, ``delegates`` present delegates with voting right
    (20 per member organisation) and ``observers`` observers, each with a join code.

    Must run inside an app context whose database is empty or holds no benchmark data.
    """
    from participation.extensions import db
    from participation.services import access, conferences, directory

    db.create_all()
    staff = directory.save_person(
        None,
        display_name="Benchmark staff",
        email="bench-staff@example.org",
        is_admin=True,
        password=None,
    )
    organisations = max(1, -(-delegates // DELEGATES_PER_ORGANISATION))
    for number in range(1, organisations + 1):
        directory.save_organisation(
            staff, name=f"Benchmark-Verein {number:04d}", short_name=f"BV{number:04d}"
        )
    number = (db.session.scalar(select(func.max(_conference_number()))) or 0) + 1
    conference = conferences.save_conference(
        staff, title=f"Lastprobe {number}", number=number, status="running"
    )
    rows = [("Moderation", "", "moderator", "nein")]
    rows += [
        (
            f"Delegierte {i:05d}",
            f"Benchmark-Verein {i // DELEGATES_PER_ORGANISATION + 1:04d}",
            "delegate",
            "ja",
        )
        for i in range(delegates)
    ]
    rows += [(f"Gast {i:05d}", "", "observer", "nein") for i in range(observers)]
    for start in range(0, len(rows), IMPORT_CHUNK):
        conferences.import_delegates(staff, conference.id, _csv(rows[start : start + IMPORT_CHUNK]))
    accreditations = _accreditations(conference.id)
    result = {
        "conference_id": conference.id,
        "moderator": None,
        "delegates": [],
        "observers": [],
        "agenda": [
            conferences.save_agenda_item(staff, conference.id, number=number, title=title).id
            for number, title in AGENDA
        ],
    }
    for accreditation_id, role in accreditations:
        if role == "delegate":
            conferences.set_presence(staff, conference.id, accreditation_id, True)
        entry = {
            "accreditation_id": accreditation_id,
            "code": access.issue_access_code(accreditation_id, staff),
        }
        if role == "moderator":
            result["moderator"] = entry
        else:
            result[f"{role}s"].append(entry)
    if not encrypted:  # plaintext secret ballots, as before trustees
        from participation.services import voting

        voting.set_voting_settings(staff, conference.id, unencrypted_secret=True)
    if encrypted:
        from bench.encrypted import appoint_single_trustee
        from participation.models import Accreditation

        moderator = db.session.get(Accreditation, result["moderator"]["accreditation_id"])
        result["trustee_share"] = appoint_single_trustee(staff, conference.id, moderator.person)
    return result


def _conference_number():
    from participation.models import Conference

    return Conference.number


def _csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "organisation", "role", "voting_right"])
    writer.writerows(rows)
    return out.getvalue().encode()


def _accreditations(conference_id: int) -> list[tuple[int, str]]:
    from participation.extensions import db
    from participation.models import Accreditation

    return [
        (row.id, row.role)
        for row in db.session.execute(
            select(Accreditation.id, Accreditation.role)
            .where(Accreditation.conference_id == conference_id)
            .order_by(Accreditation.id)
        )
    ]


def check(poll_id: int) -> dict:
    """What the database holds for a poll, and whether the audit chain verifies.

    ``trackers`` are the receipts' trackers of the stored ballots; ``duplicate_voters`` and
    ``duplicate_trackers`` count rows that would make a vote count twice (the schema forbids
    both, so anything but 0 is a bug).
    """
    from participation.extensions import db
    from participation.models import Ballot, Poll, PollParticipation, PollTracker
    from participation.services import audit

    poll = db.session.get(Poll, poll_id)
    participations = db.session.execute(
        select(PollParticipation.voter_id, PollParticipation.tracker).where(
            PollParticipation.poll_id == poll_id
        )
    ).all()
    trackers = [row.tracker for row in participations]
    published = db.session.scalars(
        select(PollTracker.tracker).where(PollTracker.poll_id == poll_id)
    ).all()
    ballots = db.session.scalar(
        select(func.count()).select_from(Ballot).where(Ballot.poll_id == poll_id)
    )
    verification = audit.verify()
    accepted = db.session.scalar(
        select(func.count())
        .select_from(_audit_table())
        .where(
            _audit_table().c.action == "ballot.accepted",
            _audit_table().c.subject == f"poll:{poll_id}",
        )
    )
    return {
        "poll_id": poll_id,
        "state": poll.state if poll else None,
        "cast_count": poll.cast_count if poll else None,
        "ballots": int(ballots or 0),
        "participations": len(participations),
        "trackers": trackers,
        "published_trackers": len(published),
        "duplicate_voters": len(participations) - len({row.voter_id for row in participations}),
        "duplicate_trackers": len(trackers) - len(set(trackers)),
        "audit_ballot_entries": int(accepted or 0),
        "audit_ok": verification.ok,
        "audit_entries": verification.count,
        "audit_problem": ""
        if verification.ok
        else f"{verification.broken_at}: {verification.reason}",
    }


def _audit_table():
    from participation.models import AuditEntry

    return AuditEntry.__table__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.setup", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="create the benchmark conference")
    make.add_argument("--delegates", type=int, default=1000)
    make.add_argument("--observers", type=int, default=1000)
    make.add_argument("--out", required=True, help="JSON file for the join codes")
    make.add_argument(
        "--encrypted", action="store_true", help="the moderator as the single trustee"
    )
    verify = commands.add_parser("check", help="count a poll's ballots, verify the audit chain")
    verify.add_argument("--poll", type=int, required=True)
    args = parser.parse_args(argv)

    app = make_app()
    with app.app_context():
        from participation.extensions import db

        if args.command == "build":
            _fast_setup_connections(db.engine)
            result = build(args.delegates, args.observers, encrypted=args.encrypted)
            with open(args.out, "w") as handle:
                json.dump(result, handle)
            print(
                f"conference {result['conference_id']}: {len(result['delegates'])} delegates, "
                f"{len(result['observers'])} observers"
            )
        else:
            json.dump(check(args.poll), sys.stdout)
            print()
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
