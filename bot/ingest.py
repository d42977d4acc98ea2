"""Scoring off the request path: acknowledged messages are queued and ingested in batches.

A platform adapter acknowledges a message event at once and hands the neutral message to
:class:`IngestQueue`. One background task takes whatever has arrived (up to
:data:`MAX_BATCH`), and ingests it in a worker thread with one database transaction and
one batched pass through the spaCy pipeline. Batching keeps the event loop free to
acknowledge the next requests quickly, and costs far less than one transaction per
message. On shutdown the queue is drained before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

from bot import metrics
from bot.platforms.base import IncomingMessage
from bot.services import listening
from bot.store.db import Store

log = logging.getLogger(__name__)

MAX_BATCH = 256


class IngestQueue:
    """Queues acknowledged messages and ingests them in batches in the background."""

    def __init__(
        self,
        store: Store,
        *,
        analyzer: listening.Analyzer,
        key: bytes,
        event_memory: timedelta = listening.EVENT_MEMORY,
    ) -> None:
        self._store = store
        self._event_memory = event_memory
        self._analyzer = analyzer
        self._key = key
        self._queue: asyncio.Queue[IncomingMessage] | None = None
        self._task: asyncio.Task[None] | None = None
        self.totals: Counter[listening.Outcome] = Counter()

    def submit(self, message: IncomingMessage) -> None:
        """Queue a message for ingestion; returns at once."""
        if self._queue is None:
            self._queue = asyncio.Queue()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(self._queue))
        self._queue.put_nowait(message)
        metrics.EVENTS_RECEIVED.labels(message.platform).inc()

    @property
    def pending(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    async def _run(self, queue: asyncio.Queue[IncomingMessage]) -> None:
        while True:
            batch = [await queue.get()]
            while len(batch) < MAX_BATCH and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                outcomes = await asyncio.to_thread(self._ingest, batch)
            except Exception:
                # One bad message must not cost the others: retry them one at a time.
                log.exception("ingesting a batch of %d failed; retrying one by one", len(batch))
                outcomes = Counter()
                for message in batch:
                    try:
                        outcomes.update(await asyncio.to_thread(self._ingest, [message]))
                    except Exception:
                        log.exception("ingesting event %s failed", message.event_id)
            try:
                self.totals.update(outcomes)
                platform = batch[0].platform
                for outcome, count in outcomes.items():
                    if outcome is listening.Outcome.COUNTED:
                        metrics.EVENTS_COUNTED.labels(platform).inc(count)
                    else:
                        metrics.EVENTS_IGNORED.labels(platform, outcome.value).inc(count)
                log.info(
                    "ingested %d message event(s): %s",
                    len(batch),
                    ", ".join(f"{k.value} {v}" for k, v in sorted(outcomes.items())),
                )
            finally:
                for _ in batch:
                    queue.task_done()

    def _ingest(self, batch: list[IncomingMessage]) -> Counter[listening.Outcome]:
        with self._store.session() as session:
            return listening.ingest(batch, analyzer=self._analyzer, key=self._key, session=session)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until everything queued is ingested (at shutdown), then stop the task."""
        if self._queue is not None and self._task is not None and not self._task.done():
            try:
                await asyncio.wait_for(self._queue.join(), timeout)
            except TimeoutError:
                log.warning("shutdown: %d message event(s) not ingested in time", self.pending)
        if self._task is not None:
            self._task.cancel()
            self._task = None
