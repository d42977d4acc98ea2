"""The ``empathybot`` command.

Every command reads the configuration when it runs (so ``--help`` always works); a bad
configuration prints one line naming the variable and exits with code 2.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from bot import logs
from bot.config import Settings, load_settings
from bot.errors import ConfigError, EmpathyBotError, NotFoundError, StorageError
from bot.platforms.base import Recipient
from bot.platforms.console import render
from bot.services import admin, privacy
from bot.store import db
from bot.store.repos import DEFAULT_WORKSPACE, ensure_workspace, get_workspace, person_by_email
from bot.store.tables import Membership, Person, Team
from bot.wiring import build_store

if TYPE_CHECKING:
    from bot.demo import DemoReport

PROGRESS_THRESHOLD = 200
"""Imports with more rows than this show a progress bar."""

app = typer.Typer(
    name="empathybot",
    help="Empathy Nudge Bot: weekly, explained, privacy-safe empathy nudges for managers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="People and teams.", no_args_is_help=True)
privacy_app = typer.Typer(help="An employee's data: export and erase.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(org_app, name="org")
app.add_typer(privacy_app, name="privacy")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

WorkspaceOption = Annotated[
    str, typer.Option("--workspace", "-w", help="Workspace (organisation) name.")
]


def _settings() -> Settings:
    settings = load_settings()
    logs.configure(settings.log_level, settings.log_format)
    return settings


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    store = build_store(settings)
    try:
        with store.session() as session:
            yield session
    finally:
        store.dispose()


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (run before starting a new version)."""
    settings = _settings()
    engine = db.make_engine(settings.resolved_database_url)
    try:
        before = db.current_revision(engine)
        db.upgrade(engine)
        after = db.current_revision(engine)
    finally:
        engine.dispose()
    where = _safe_url(settings.resolved_database_url)
    if before == after:
        out.print(f"{where} is up to date (revision {after}).")
    else:
        out.print(f"{where} upgraded from {before or 'empty'} to {after}.")


@org_app.command("import")
def org_import(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV: email,name,team,manager_email,role,timezone[,slack_user_id,teams_user_id]",
        ),
    ],
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Import or update people and teams from a CSV file: all rows, or none."""
    settings = _settings()
    text = file.read_text(encoding="utf-8-sig")
    total = admin.count_rows(text)
    try:
        with _session(settings) as session:
            target = ensure_workspace(workspace, session=session)
            if total > PROGRESS_THRESHOLD:
                with Progress(
                    TextColumn("importing"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=err,
                ) as bar:
                    task = bar.add_task("rows", total=total)
                    report = admin.import_org(
                        text,
                        workspace=target,
                        session=session,
                        progress=lambda done: bar.update(task, completed=done),
                    )
            else:
                report = admin.import_org(text, workspace=target, session=session)
    except admin.OrgImportError as exc:
        err.print(f"{file}: {exc}", markup=False)
        for problem in exc.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    out.print(
        f"people: {report.people_created} created, {report.people_updated} updated, "
        f"{report.people_unchanged} unchanged; teams: {report.teams_created} created, "
        f"{report.teams_updated} updated."
    )


@org_app.command("away")
def org_away(
    email: Annotated[str, typer.Option("--email", "-e", help="The manager's email address.")],
    until: Annotated[
        str | None, typer.Option(help="Last day away, YYYY-MM-DD (omit to clear).")
    ] = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Record leave (HR): no digest reaches the person until the day after ``--until``."""
    from datetime import date

    settings = _settings()
    try:
        last_day = date.fromisoformat(until) if until else None
    except ValueError:
        raise typer.BadParameter("use a date like 2026-12-31", param_hint="--until") from None
    with _session(settings) as session:
        target = get_workspace(workspace, session=session)
        person = person_by_email(target.id or 0, email, session=session)
        person.away_until = last_day
        session.add(person)
    out.print(f"{email}: away until {last_day:%d %B %Y}." if last_day else f"{email}: back.")


@org_app.command("show")
def org_show(
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List teams with their manager, parent team and size."""
    settings = _settings()
    with _session(settings) as session:
        try:
            teams = admin.describe_org(get_workspace(workspace, session=session), session=session)
        except NotFoundError:
            teams = []
    if as_json:
        out.print_json(json.dumps([asdict(team) for team in teams]))
        return
    if not teams:
        out.print("No teams yet. Import some with `empathybot org import people.csv`.")
        return
    table = Table("team", "manager", "parent", "members", title=f"workspace {workspace}")
    for team in teams:
        table.add_row(team.name, team.manager or "-", team.parent or "-", str(team.members))
    out.print(table)


EmailOption = Annotated[str, typer.Option("--email", "-e", help="The person's email address.")]


@privacy_app.command("export")
def privacy_export(email: EmailOption, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Print everything stored about one person, as JSON (``{}`` when there is nothing)."""
    settings = _settings()
    key = settings.secret_key_bytes()
    with _session(settings) as session:
        try:
            target = get_workspace(workspace, session=session)
            person = person_by_email(target.id or 0, email, session=session)
        except NotFoundError:
            err.print(f"Nothing is stored about {email}.", markup=False)
            sys.stdout.write("{}\n")
            return
        data = privacy.export_person(person, key=key, session=session)
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@privacy_app.command("erase")
def privacy_erase(
    email: EmailOption,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase everything stored about one person. Team aggregates that already met the
    minimum group size stay: they cannot contain or reveal anyone."""
    settings = _settings()
    key = settings.secret_key_bytes()
    if not yes and not typer.confirm(f"Erase everything stored about {email}?", default=False):
        raise typer.Exit(1)
    with _session(settings) as session:
        try:
            target = get_workspace(workspace, session=session)
            person = person_by_email(target.id or 0, email, session=session)
        except NotFoundError:
            err.print(f"Nothing is stored about {email}.", markup=False)
            return
        report = privacy.erase_person(person, key=key, session=session)
    out.print(
        f"Erased {email}: their profile, consent history, team memberships and "
        f"{report.checkin_answers} check-in answer(s); removed from "
        f"{report.open_week_markers} open week(s)."
    )


@app.command("demo")
def demo(
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Keep everything here: demo.db, input_messages.jsonl, digests.json, slack/, "
            "teams/, charts/, index.html.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Same seed, same run.")] = 7,
    weeks: Annotated[int, typer.Option(min=6, max=52, help="How many weeks to simulate.")] = 8,
) -> None:
    """Run a synthetic organisation through the real pipeline and show the digests.

    No accounts and no network: SQLite in a temporary folder (or in --out)."""
    from bot.demo import run_demo

    logs.configure("WARNING", "text")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="empathybot-demo-") as scratch:
        folder = out_dir or Path(scratch)
        with Progress(
            TextColumn("simulating {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as bar:
            task = bar.add_task("weeks", total=weeks)
            report = run_demo(
                folder,
                seed=seed,
                weeks=weeks,
                progress=lambda week, done, _total: bar.update(
                    task, completed=done, description=week
                ),
            )
        _print_demo(report)
    sent = sum(1 for record in report.digests if record.get("sent"))
    where = (
        f"Files are in {out_dir}/ (open index.html)."
        if out_dir
        else "Add --out DIR to keep the files."
    )
    out.print(
        f"\n{report.messages} synthetic messages, {report.counted} counted (the others came "
        f"from someone who had not opted in); {sent} digests in "
        f"{time.perf_counter() - started:.1f} s. {where}"
    )


def _print_demo(report: DemoReport) -> None:
    """What each manager got each week, then the last week's digests in full."""
    table = Table(
        "week",
        "team",
        "what the manager got",
        "figures",
        title="Weekly digests (situation: prompt)",
    )
    for week in report.weeks:
        for record in sorted(
            (r for r in report.digests if r["week"] == week), key=lambda r: str(r["team"])
        ):
            if not record.get("prompt_id"):
                table.add_row(week, str(record["team"]), f"no digest: {record.get('reason')}", "")
                continue
            figures = "shown" if record["numbers_shown"] else "none (too few people)"
            table.add_row(
                week,
                str(record["team"]),
                f"{record['situation']}: {record['prompt_title']}",
                figures,
            )
        table.add_section()
    out.print(table)
    last = report.weeks[-1]
    out.print(f"\nThe digests for {last}:\n")
    for result in report.results:
        if result.week == last and result.message is not None:
            manager = next(
                str(r["manager"])
                for r in report.digests
                if r["week"] == last and r["team"] == result.team
            )
            out.print(render(Recipient(result.manager_id, manager), result.message))


signals_app = typer.Typer(help="Team signals, as a manager could see them.", no_args_is_help=True)
digest_app = typer.Typer(help="Weekly digests.", no_args_is_help=True)
app.add_typer(signals_app, name="signals")
app.add_typer(digest_app, name="digest")


@app.command("serve")
def serve(
    socket: Annotated[
        bool, typer.Option("--socket", help="Slack Socket Mode (needs SLACK_APP_TOKEN).")
    ] = False,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Run the scheduler in this process (one leader is elected on PostgreSQL).",
        ),
    ] = True,
) -> None:
    """Run the web server: Slack events and OAuth, Teams messages, /healthz, /readyz."""
    from bot.server import run_server

    settings = _settings()
    if socket and settings.slack_app_token is None:
        raise ConfigError("SLACK_APP_TOKEN: required for --socket (Socket Mode)")
    run_server(settings, socket_mode=socket, with_scheduler=scheduler)


@app.command("scheduler")
def scheduler_command() -> None:
    """Run only the scheduler (digests, check-ins, reminders, weekly close, retention)."""
    from bot.server import run_scheduler

    run_scheduler(_settings())


def _team(session: Session, workspace: str, name: str) -> Team:
    target = get_workspace(workspace, session=session)
    team = session.exec(
        select(Team).where(Team.workspace_id == target.id, col(Team.name).ilike(name))
    ).first()
    if team is None:
        raise NotFoundError(f"no team called {name!r} in workspace {workspace!r}")
    return team


@signals_app.command("show")
def signals_show(
    team: Annotated[str, typer.Option("--team", "-t", help="Team name.")],
    week: Annotated[
        str | None, typer.Option(help="ISO week like 2026-W48 (default: this week).")
    ] = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A team's weekly aggregates exactly as its manager could see them."""
    from bot.services.digest import members_of, raw_week
    from nudges.engine import gate
    from nudges.library import library
    from nudges.weeks import week_label, week_start

    settings = _settings()
    label = week or week_label(datetime.now(UTC).date())
    try:
        week_start(label)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--week") from None
    dimensions = {q.id: q.dimension.value for q in library().questions()}
    with _session(settings) as session:
        found = _team(session, workspace, team)
        assert found.id is not None
        members = members_of(found.id, session=session)
        gated = gate(
            raw_week([found.id], label, members, dimensions=dimensions, session=session),
            settings.min_group_size,
        )
    result: dict[str, object] = {"team": found.name, "week": label, "members": members}
    if gated.chat_shown:
        result.update(
            contributors=gated.contributors,
            messages=gated.messages,
            mean_sentiment=round(gated.sentiment or 0.0, 3),
            themes={theme: round(rate, 3) for theme, rate in sorted(gated.theme_rates.items())},
            after_hours_share=round(gated.after_hours_share or 0.0, 3),
        )
    else:
        result.update(
            insufficient_data=True,
            reason=f"fewer than {max(settings.min_group_size, 5)} people contributed",
        )
    if gated.checkin_shown:
        result.update(
            checkin_respondents=gated.checkin_respondents,
            checkin_mean=round(gated.checkin_mean or 0.0, 2),
        )
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    if not gated.chat_shown:
        out.print(f"{found.name}, {label}: insufficient data ({result['reason']}).")
        return
    table = Table("figure", "value", title=f"{found.name}, week {label}")
    for key, value in result.items():
        if key not in {"team", "week"}:
            table.add_row(key, str(value))
    out.print(table)


@digest_app.command("send")
def digest_send(
    team: Annotated[str | None, typer.Option("--team", "-t", help="Only this team.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the digests; send and record nothing.")
    ] = False,
    week: Annotated[
        str | None, typer.Option(help="The week the digest covers (default: last week).")
    ] = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Send (or preview) the weekly digests now."""
    import asyncio

    from bot.services import digest as digest_service
    from bot.wiring import build_services
    from nudges import engine
    from nudges.digest import digest_message
    from nudges.weeks import shift, week_label

    settings = _settings()
    label = week or shift(week_label(datetime.now(UTC).date()), -1)
    services = build_services(settings)
    digest_settings = digest_service.DigestSettings(
        min_group=settings.min_group_size, with_png=True
    )
    today = datetime.now(UTC).date()
    with services.store.session() as session:
        teams = (
            [_team(session, workspace, team)]
            if team
            else list(session.exec(select(Team).where(col(Team.manager_id).is_not(None))))
        )
        pairs = [(t, session.get(Person, t.manager_id)) for t in teams if t.manager_id]
    messenger = None if dry_run else _messenger(services)
    sent = 0
    for found, manager in pairs:
        if manager is None:
            continue
        if dry_run:
            with services.store.session() as session:
                outcome = digest_service.plan(
                    manager,
                    found,
                    label,
                    today=today,
                    library=services.library,
                    settings=digest_settings,
                    session=session,
                )
            if isinstance(outcome, engine.Skip):
                out.print(f"{found.name} ({manager.email}): no digest: {outcome.reason}")
                continue
            message = digest_message(
                outcome, delivery_ref="preview", min_group=settings.min_group_size
            )
            out.print(render(Recipient(manager.id or 0, manager.email), message))
            continue
        assert messenger is not None
        result = asyncio.run(
            digest_service.deliver(
                manager,
                found,
                label,
                today=today,
                store=services.store,
                messenger=messenger,
                library=services.library,
                settings=digest_settings,
            )
        )
        if result.error:
            err.print(f"{found.name} ({manager.email}): failed: {result.error}")
        elif isinstance(result.outcome, engine.Skip):
            out.print(f"{found.name} ({manager.email}): skipped: {result.outcome.reason}")
        else:
            sent += 1
            out.print(f"{found.name} ({manager.email}): sent")
    if not dry_run:
        out.print(f"{sent} digest(s) sent for week {label}.")


def _messenger(services: Any) -> Any:
    settings = services.settings
    if settings.slack_bot_token is not None:
        from bot.platforms.slack.messenger import SlackMessenger, make_client

        client = make_client(
            settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
        )
        return SlackMessenger(client)
    raise ConfigError("SLACK_BOT_TOKEN: no platform to send through (or use --dry-run)")


schedule_app = typer.Typer(help="Delivery schedules (HR).", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")
TeamOption = Annotated[
    str | None, typer.Option("--team", "-t", help="A team (default: the organisation default).")
]


@schedule_app.command("show")
def schedule_show(workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Every team's next digest and check-in, in the recipient's local time and in UTC."""
    from bot.services import schedules, slots

    settings = _settings()
    now = datetime.now(UTC)
    table = Table(
        "team",
        "rule",
        "next digest (manager's time)",
        "UTC",
        "next check-in (each member's time)",
        "UTC",
        title=f"Schedules, now {now:%Y-%m-%d %H:%M} UTC",
    )
    with _session(settings) as session:
        target = get_workspace(workspace, session=session)
        org = schedules.effective(target.id or 0, None, session=session)
        out.print(f"Organisation default: {_rule(org)}")
        teams = session.exec(
            select(Team).where(Team.workspace_id == target.id).order_by(col(Team.name))
        ).all()
        for team in teams:
            rule = schedules.effective(target.id or 0, team, session=session)
            manager = session.get(Person, team.manager_id) if team.manager_id else None
            digest_local = digest_utc = "no manager"
            if rule.paused:
                digest_local = digest_utc = "paused"
            elif manager is not None:
                slot = slots.next_digest_slot(rule, manager.timezone, now)
                digest_local, digest_utc = _when(slot, manager.timezone)
            zones = sorted(
                {
                    p.timezone
                    for p in session.exec(
                        select(Person)
                        .join(Membership, col(Membership.person_id) == col(Person.id))
                        .where(Membership.team_id == team.id)
                    )
                }
            )
            checkin_local, checkin_utc = [], []
            for zone in zones or ["UTC"]:
                local, utc = (
                    ("paused", "paused")
                    if rule.paused
                    else _when(slots.next_checkin_slot(rule, zone, now), zone)
                )
                checkin_local.append(local)
                checkin_utc.append(utc)
            table.add_row(
                team.name,
                "own" if rule.overridden else "default",
                digest_local,
                digest_utc,
                "\n".join(checkin_local),
                "\n".join(checkin_utc),
            )
    out.print(table)


def _when(slot: Any, zone: str) -> tuple[str, str]:
    from zoneinfo import ZoneInfo

    if slot is None:
        return "none (every day is quiet)", ""
    local = slot.at.astimezone(ZoneInfo(zone))
    return f"{local:%a %d %b %H:%M} {zone}", f"{slot.at:%a %d %b %H:%M}"


def _rule(rule: Any) -> str:
    from bot.services.schedules import WEEKDAYS

    quiet = ",".join(WEEKDAYS[day] for day in rule.quiet_weekdays) or "none"
    paused = "; PAUSED" if rule.paused else ""
    return (
        f"digest {WEEKDAYS[rule.digest_weekday]} {rule.digest_time}; check-in "
        f"{rule.checkin_cadence} {WEEKDAYS[rule.checkin_weekday]} {rule.checkin_time}; "
        f"reminder {rule.reminder_after_hours} h; quiet {quiet}{paused}"
    )


def _schedule_change(workspace: str, team: str | None, changes: dict[str, Any]) -> None:
    from bot.services import schedules

    settings = _settings()
    with _session(settings) as session:
        target = get_workspace(workspace, session=session)
        found = _team(session, workspace, team) if team else None
        rule = schedules.update(target.id or 0, found, changes, by_person_id=None, session=session)
    out.print(f"{team or 'Organisation default'}: {_rule(rule)}")


@schedule_app.command("set")
def schedule_set(
    team: TeamOption = None,
    digest_day: Annotated[str | None, typer.Option(help="mon..sun")] = None,
    digest_time: Annotated[str | None, typer.Option(help="HH:MM, manager's time")] = None,
    cadence: Annotated[str | None, typer.Option(help="weekly, biweekly or monthly")] = None,
    checkin_day: Annotated[str | None, typer.Option(help="mon..sun")] = None,
    checkin_time: Annotated[str | None, typer.Option(help="HH:MM, each person's time")] = None,
    reminder_hours: Annotated[int | None, typer.Option(help="Remind after N hours")] = None,
    quiet_days: Annotated[str | None, typer.Option(help="e.g. sat,sun (or 'none')")] = None,
    holidays: Annotated[str | None, typer.Option(help="e.g. 2026-12-24,2026-12-25")] = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Change the organisation default, or a team's own schedule (with --team)."""
    from bot.errors import ValidationFailed

    changes: dict[str, Any] = {}
    for key, value in (
        ("digest_weekday", digest_day),
        ("digest_time", digest_time),
        ("checkin_cadence", cadence),
        ("checkin_weekday", checkin_day),
        ("checkin_time", checkin_time),
        ("reminder_after_hours", reminder_hours),
    ):
        if value is not None:
            changes[key] = value
    if quiet_days is not None:
        changes["quiet_weekdays"] = (
            [] if quiet_days == "none" else [day for day in quiet_days.split(",") if day]
        )
    if holidays is not None:
        changes["holidays"] = [day for day in holidays.split(",") if day]
    if not changes:
        raise typer.BadParameter("give at least one setting to change (see --help)")
    try:
        _schedule_change(workspace, team, changes)
    except ValidationFailed as exc:
        err.print(f"refused: {exc}", markup=False)
        raise typer.Exit(2) from None


@schedule_app.command("pause")
def schedule_pause(team: TeamOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE) -> None:
    """Pause digests and check-ins (for one team, or everyone)."""
    _schedule_change(workspace, team, {"paused": True})


@schedule_app.command("resume")
def schedule_resume(
    team: TeamOption = None, workspace: WorkspaceOption = DEFAULT_WORKSPACE
) -> None:
    """Resume digests and check-ins."""
    _schedule_change(workspace, team, {"paused": False})


@app.command("teams-package")
def teams_package(
    app_id: Annotated[
        str, typer.Option("--app-id", help="The Azure Bot's Microsoft App ID (a GUID).")
    ],
    destination: Annotated[Path, typer.Option("--out", help="Where to write the zip.")] = Path(
        "empathybot-teams.zip"
    ),
    version: Annotated[
        str | None,
        typer.Option("--version", help="App version like 1.2.0; raise it for every upload."),
    ] = None,
    website: Annotated[
        str | None,
        typer.Option(
            "--website", help="https:// address of the developer, privacy and terms pages."
        ),
    ] = None,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", help="Folder with manifest.json and the icons (default: deploy/teams)."
        ),
    ] = None,
) -> None:
    """Build the Teams app package (manifest and icons) to upload to Teams."""
    from bot.platforms.teams.package import DEPLOY_DIR, build_package

    path = build_package(
        app_id, destination, source=source or DEPLOY_DIR, version=version, website=website
    )
    out.print(f"Wrote {path}. Upload it in the Teams admin centre: Manage apps, Upload new app.")


def main() -> None:
    """Entry point: run the CLI, turning the bot's own errors into one clear line."""
    try:
        app(prog_name="empathybot")
    except ConfigError as exc:
        err.print(f"configuration error: {exc}", markup=False)
        sys.exit(2)
    except StorageError as exc:
        err.print(f"database error: {exc}", markup=False)
        sys.exit(1)
    except EmpathyBotError as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
