"""The scheduler: the one module that imports APScheduler (3.x).

A few stable jobs, not one per team: the dispatcher tick every minute (due digests,
check-ins and reminders, from the schedule table), the weekly close of signal buckets
(checked hourly), and the daily retention purge. Each job is a plain function of ``now``
elsewhere; this module only decides *when* to call them, and *who* may.

Only one scheduler is active at a time. On PostgreSQL each process tries to take a
session-level advisory lock on a connection it keeps open; the holder runs the jobs, the
others stand by and try again each minute, so a standby takes over within a minute of
the leader dying (its connection closes and the lock is released). On SQLite the database
belongs to one process, which is always the leader. Deliveries are exactly-once in the
database regardless, so even two leaders could not send twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.platforms.base import Messenger
from bot.services import listening, retention
from bot.services.dispatch import DispatchConfig, Dispatcher, TickReport
from bot.wiring import Services

log = logging.getLogger(__name__)

LOCK_KEY = 0x656D7061  # "empa": the advisory lock all schedulers of one database share

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(UTC)


class Leadership:
    """Who runs the jobs: the holder of a PostgreSQL advisory lock, or (SQLite) anyone."""

    def __init__(self, services: Services) -> None:
        self._engine = services.store.engine
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._engine.dialect.name != "postgresql" or self._connection is not None

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True while this process leads.

        A leader checks its connection each time: if the database restarted, the lock went
        with the connection, and this process must compete for it again.
        """
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                self._connection.commit()
            except SQLAlchemyError:
                log.warning("scheduler: lost the database connection, and with it leadership")
                with contextlib.suppress(SQLAlchemyError):
                    self._connection.close()
                self._connection = None
        if self.held:
            return True
        connection = self._engine.connect()
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        ).scalar()
        connection.commit()
        if got:
            self._connection = connection
            log.info("scheduler: this process is now the leader")
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._connection.commit()
            finally:
                self._connection.close()
                self._connection = None
            log.info("scheduler: leadership released")


class Scheduler:
    """APScheduler jobs around a :class:`Dispatcher`, run only while leading."""

    def __init__(
        self,
        services: Services,
        messenger: Messenger,
        *,
        clock: Clock = utc_clock,
        instance: str | None = None,
    ) -> None:
        settings = services.settings
        self._services = services
        self._clock = clock
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}"
        self.leadership = Leadership(services)
        self.dispatcher = Dispatcher(
            services.store,
            messenger,
            services.library,
            DispatchConfig(
                instance=self.instance,
                min_group=settings.min_group_size,
                key=services.key,
                grace=timedelta(hours=settings.grace_hours),
            ),
        )
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self.last_tick: datetime | None = None
        self._running: asyncio.Future[TickReport] | None = None
        self._stopping = False

    def start(self) -> None:
        """Add the jobs and start (inside a running event loop)."""
        common: dict[str, Any] = {"max_instances": 1, "coalesce": True, "misfire_grace_time": 50}
        # The first tick runs at start-up, so a restart catches up at once.
        self._scheduler.add_job(
            self.dispatch,
            CronTrigger(second=0, timezone=UTC),
            id="dispatch",
            next_run_time=datetime.now(UTC),
            **common,
        )
        self._scheduler.add_job(
            self.close_weeks, CronTrigger(minute=5, timezone=UTC), id="close_weeks", **common
        )
        self._scheduler.add_job(
            self.purge, CronTrigger(hour=3, minute=17, timezone=UTC), id="retention", **common
        )
        self._scheduler.start()
        log.info(
            "scheduler %s started: dispatch every minute, weekly close, daily purge", self.instance
        )

    async def shutdown(self, timeout: float = 25.0) -> None:
        """Stop taking jobs, let a running tick finish its sends, give up leadership."""
        self._stopping = True
        self._scheduler.shutdown(wait=False)
        running = self._running
        if running is not None and not running.done():
            log.info("shutdown: waiting for the running dispatch to finish")
            try:
                await asyncio.wait_for(asyncio.shield(running), timeout)
            except TimeoutError:
                log.warning(
                    "shutdown: dispatch still running after %.0f s; its claims "
                    "will be taken over after the lease",
                    timeout,
                )
        await asyncio.to_thread(self.leadership.release)
        metrics.SCHEDULER_LEADER.set(0)

    async def _leading(self) -> bool:
        return await asyncio.to_thread(self.leadership.try_acquire)

    async def dispatch(self) -> TickReport | None:
        """One dispatcher tick, if this process leads (and is not shutting down)."""
        if self._stopping or not await self._leading():
            metrics.SCHEDULER_LEADER.set(0 if self._stopping else int(self.leadership.held))
            return None
        metrics.SCHEDULER_LEADER.set(1)
        now = self._clock()
        metrics.SCHEDULER_LAG.set(
            max(0.0, (now - now.replace(second=0, microsecond=0)).total_seconds())
        )
        self._running = asyncio.ensure_future(self.dispatcher.tick(now))
        try:
            report = await asyncio.shield(self._running)
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Shutting down: the tick itself goes on (shielded); shutdown() waits for it.
            return None
        finally:
            if self._running is not None and self._running.done():
                self._running = None
        self.last_tick = now
        if report.sent or report.retrying or report.failed or report.reminders:
            log.info(
                "dispatch: %d sent, %d reminders, %d retrying, %d failed, %d skipped",
                report.sent,
                report.reminders,
                report.retrying,
                len(report.failed),
                report.skipped,
            )
        return report

    async def close_weeks(self) -> list[str]:
        if not await self._leading():
            return []
        now = self._clock()
        closed: list[str] = await self._services.run(
            lambda session: listening.close_finished_weeks(now, session=session)
        )
        if closed:
            log.info("closed weeks %s: contributor markers deleted", ", ".join(closed))
        return closed

    async def purge(self) -> retention.Purged | None:
        if not await self._leading():
            return None
        now = self._clock()
        days = self._services.settings.checkin_retention_days
        purged: retention.Purged = await self._services.run(
            lambda session: retention.purge(now, checkin_days=days, session=session)
        )
        log.info(
            "retention: %d check-in answers, %d event ids, %d OAuth states deleted",
            purged.checkin_answers,
            purged.event_ids,
            purged.oauth_states,
        )
        return purged
