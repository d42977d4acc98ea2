"""Org import speed: 1,000 people into a fresh SQLite database (target: under 5 s).

Run: ``python -m tests.benchmarks.bench_org_import [--rows N] [--database-url URL]``.
Prints the time of a full import (parse, validate every row, write) and, as a reference
measured in the same run, a bare SQLAlchemy Core bulk insert of the same people, with the
ratio between the two.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from bot.services import admin
from bot.store import db
from bot.store.repos import ensure_workspace
from bot.store.tables import Person
from bot.store.types import utcnow

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC", "Australia/Sydney")


def make_csv(rows: int, *, seed: int = 7) -> str:
    """A realistic org: teams of about 8 under managers, managers under directors."""
    rng = random.Random(seed)
    lines = ["email,name,team,manager_email,role,timezone"]
    lines.append("ceo@acme.test,Chief Executive,Leadership,,admin,UTC")
    people = 1
    team_number = 0
    while people < rows:
        team_number += 1
        lead = f"lead{team_number}@acme.test"
        lines.append(f"{lead},Lead {team_number},Leadership,ceo@acme.test,employee,UTC")
        people += 1
        for member in range(min(8, rows - people)):
            zone = rng.choice(ZONES)
            lines.append(
                f"p{team_number}-{member}@acme.test,Person {team_number}-{member},"
                f"Team {team_number},{lead},employee,{zone}"
            )
            people += 1
    return "\n".join(lines[: rows + 1]) + "\n"


def run(rows: int, url: str | None) -> None:
    text = make_csv(rows)
    with tempfile.TemporaryDirectory() as folder:
        target = url or f"sqlite:///{Path(folder) / 'bench.db'}"
        store = db.open_store(target, auto_upgrade=True)
        started = time.perf_counter()
        with store.session() as session:
            workspace = ensure_workspace(session=session)
            report = admin.import_org(text, workspace=workspace, session=session)
        import_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with store.session() as session:
            workspace = ensure_workspace("reference", session=session)
            now = utcnow()
            session.execute(
                insert(Person),
                [
                    {
                        "workspace_id": workspace.id,
                        "email": f"ref{i}@acme.test",
                        "display_name": f"Ref {i}",
                        "timezone": "UTC",
                        "locale": "en",
                        "roles": "employee",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(rows)
                ],
            )
        reference_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with store.session() as session:
            workspace = ensure_workspace(session=session)
            again = admin.import_org(text, workspace=workspace, session=session)
        reimport_seconds = time.perf_counter() - started
        store.dispose()

    print(f"org import, {rows} rows, {db.make_engine(target).dialect.name}")
    print(
        f"  import:               {import_seconds:.3f} s  ({rows / import_seconds:,.0f} rows/s)"
        f"  created {report.people_created} people, {report.teams_created} teams"
    )
    print(f"  re-import (no change): {reimport_seconds:.3f} s  unchanged {again.people_unchanged}")
    print(f"  reference bulk insert: {reference_seconds:.3f} s")
    print(f"  ratio import/reference: {import_seconds / reference_seconds:.1f}x")
    print(f"  target under 5 s: {'met' if import_seconds < 5 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--database-url", default=None)
    arguments = parser.parse_args()
    run(arguments.rows, arguments.database_url)


if __name__ == "__main__":
    main()
