"""Scoring off the request path: acknowledged messages are queued and ingested in batches.

A platform adapter acknowledges a message event at once and hands the neutral message to
:class:`IngestQueue`. One background task takes whatever has arrived (up to
:data:`MAX_BATCH`), and ingests it with one database transaction and one batched pass
through the spaCy pipeline, far cheaper than one transaction per message. On shutdown
the queue is drained before the process exits.

In the server the batches run in a separate worker *process* (:func:`worker_pool`):
scoring and database writes are CPU-bound Python, and in a thread they would compete with
the event loop for the interpreter lock and delay the acknowledgements Slack times. Tests
and the CLI use a thread, which needs no second process.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
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
        self._pool: Executor | None = None
        self._store = store
        self._event_memory = event_memory
        self._analyzer = analyzer
        self._key = key
        self._queue: asyncio.Queue[IncomingMessage] | None = None
        self._task: asyncio.Task[None] | None = None
        self.totals: Counter[listening.Outcome] = Counter()

    def use_process(self, pool: Executor) -> None:
        """Ingest batches in ``pool`` (see :func:`worker_pool`) instead of a thread."""
        self._pool = pool

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
                outcomes = await self._dispatch(batch)
            except Exception:
                # One bad message must not cost the others: retry them one at a time.
                log.exception("ingesting a batch of %d failed; retrying one by one", len(batch))
                outcomes = Counter()
                for message in batch:
                    try:
                        outcomes.update(await self._dispatch([message]))
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

    async def _dispatch(self, batch: list[IncomingMessage]) -> Counter[listening.Outcome]:
        if self._pool is None:
            return await asyncio.to_thread(self._ingest, batch)
        loop = asyncio.get_running_loop()
        result: Counter[listening.Outcome] = await loop.run_in_executor(
            self._pool, _ingest_in_worker, batch
        )
        return result

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


# ------------------------------------------------------------ the worker process

_WORKER: dict[str, object] = {}


def _start_worker(database_url: str, key: bytes, event_memory_days: int) -> None:
    """Runs once in the worker process: open the database, build the pipeline."""
    from bot.store.db import make_engine
    from nudges.signals import analyze_many

    logging.basicConfig(level=logging.WARNING)
    _WORKER.update(
        store=Store(make_engine(database_url)),
        key=key,
        memory=timedelta(days=event_memory_days),
        analyzer=analyze_many,
    )
    analyze_many(["warming up"])


def _ingest_in_worker(batch: list[IncomingMessage]) -> Counter[listening.Outcome]:
    store = _WORKER["store"]
    assert isinstance(store, Store)
    key = _WORKER["key"]
    assert isinstance(key, bytes)
    memory = _WORKER["memory"]
    assert isinstance(memory, timedelta)
    with store.session() as session:
        return listening.ingest(
            batch,
            analyzer=_WORKER["analyzer"],  # type: ignore[arg-type]
            key=key,
            session=session,
            event_memory=memory,
        )


def worker_pool(database_url: str, key: bytes, event_memory_days: int) -> Executor:
    """A one-process pool that ingests batches (started fresh, not forked)."""
    return ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(database_url, key, event_memory_days),
    )
