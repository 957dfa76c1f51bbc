"""The acceptance log's writer: one daemon thread that does every write to the log, in the order asked.

The GUI thread only appends to a queue under a lock (`add`, `submit`): typing never waits on the disk.
The thread takes the queue in order. Items that follow one another make a burst: what is queued within
`flush_seconds` of the thread picking up the first (or until a job is queued, or the log closes) goes to
`write_burst` in one call, which writes it in one transaction. A job (a flush, "delete my data") runs on
its own, after everything queued before it, and answers through a concurrent.futures.Future.

A write that fails with sqlite3.OperationalError (locked or busy past the busy timeout, read-only, disk
I/O) is tried ATTEMPTS times in all with a short backoff between tries. Then a burst is dropped: the
problem is told once through `on_problem` (and not again until a write succeeds) and the thread goes on
with what comes next. A job that fails hands its error to its Future.

The thread is a daemon, so a write stuck on the disk cannot hold up the process's exit, and `close`
waits for it only until a deadline: past it, no try starts and what is left is given up on, said once.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future

ATTEMPTS = 3
BACKOFF_SECONDS = (0.1, 0.3)  # before the second and the third try; with a 1 s busy timeout, ~3.4 s a burst


class Job:
    """Work run on the writer thread after everything queued before it; its result or error goes to `future`."""

    def __init__(self, work: Callable[[], object]):
        self.work = work
        self.future: Future = Future()


class LogWriter:
    def __init__(self, write_burst: Callable[[list], None], describe: Callable[[list], str],
                 on_problem: Callable[[str], None], on_exit: Callable[[], None], flush_seconds: float = 0.5):
        """`write_burst(items)` writes a burst in one transaction; `describe(items)` names what a burst holds
        ("12 events"); `on_problem(text)` is told of writes given up on, from this thread; `on_exit()` runs
        on this thread when it stops (it closes the connection this thread used last)."""
        self._write_burst, self._describe, self._on_exit = write_burst, describe, on_exit
        self.on_problem = on_problem
        self._flush_seconds = flush_seconds
        self._queue: deque = deque()  # items of bursts and Jobs, in the order they were asked for
        self._jobs_queued = 0  # Jobs in the queue: a burst stops filling when one is waiting behind it
        self._in_hand: list = []  # the burst being written, for what `close` says if it has to give up
        self._ready = threading.Condition()
        self._closing = False
        self._deadline = math.inf  # set by close: no try starts after it
        self._told = False  # a problem was told and no write has worked since
        self._last_error = ""
        self.dropped = 0  # bursts' items given up on, in all
        self._dropped_before_close = 0
        self._thread = threading.Thread(target=self._run, name="acceptance-log-writer", daemon=True)
        self._thread.start()

    def add(self, item, coalesce: bool = False) -> None:
        """Queue an item of the next burst; with `coalesce`, not again if it is already last in the queue."""
        with self._ready:
            if self._closing or (coalesce and self._queue and self._queue[-1] is item):
                return
            self._queue.append(item)
            if len(self._queue) == 1:  # the thread may be idle; while it fills a burst it needs no wake-up
                self._ready.notify()

    def submit(self, work: Callable[[], object]) -> Future:
        """Run `work` on the writer thread after what is queued now (and after the burst it makes)."""
        job = Job(work)
        with self._ready:
            if self._closing:
                job.future.set_exception(RuntimeError("the acceptance log is closed"))
                return job.future
            self._queue.append(job)
            self._jobs_queued += 1
            self._ready.notify()
        return job.future

    def close(self, timeout: float) -> bool:
        """Write what is queued, for at most `timeout` seconds, then give up on the rest and say so once.
        True when everything queued was written."""
        with self._ready:
            if not self._closing:
                self._closing, self._deadline = True, time.monotonic() + timeout
                self._dropped_before_close = self.dropped
                self._ready.notify()
        self._thread.join(max(0.0, self._deadline - time.monotonic()))
        if self._thread.is_alive():  # a try is waiting on the disk; the thread stops once it returns
            with self._ready:
                left = self._in_hand + [item for item in self._queue if not isinstance(item, Job)]
            self._tell(f"Acceptance log: closed before {self._describe(left)} could be written "
                       f"({self._last_error or 'the disk did not answer in time'})")
            return False
        return self.dropped == self._dropped_before_close

    def _run(self) -> None:
        try:
            while (work := self._take()) is not None:
                if isinstance(work, Job):
                    self._run_job(work)
                else:
                    self._write(work)
        finally:
            self._on_exit()

    def _take(self) -> Job | list | None:
        """The next Job, or the next burst once it has had `flush_seconds` to fill; None when closed and done."""
        with self._ready:
            while not self._queue and not self._closing:
                self._ready.wait()  # idle: nobody waits on this thread while the queue is empty
            if not self._queue:
                return None
            if isinstance(self._queue[0], Job):
                self._jobs_queued -= 1
                return self._queue.popleft()
            fill_until = time.monotonic() + self._flush_seconds
            while not self._closing and not self._jobs_queued and (left := fill_until - time.monotonic()) > 0:
                self._ready.wait(left)
            burst = []
            while self._queue and not isinstance(self._queue[0], Job):
                burst.append(self._queue.popleft())
            self._in_hand = burst
            return burst

    def _write(self, burst: list) -> None:
        error = self._attempt(lambda: self._write_burst(burst))
        with self._ready:
            self._in_hand = []
            if error is not None:
                self.dropped += len(burst)
        if error is None:
            self._told = False  # the next problem is news again
        else:
            goes_on = "the log was closing" if self._closing else "logging goes on"
            self._tell(f"Acceptance log: {self._describe(burst)} could not be written ({error}); {goes_on}")

    def _run_job(self, job: Job) -> None:
        results = []
        error = self._attempt(lambda: results.append(job.work()))
        if error is None:
            job.future.set_result(results[0])  # its done-callbacks run here, on this thread
        else:
            job.future.set_exception(error)

    def _attempt(self, work: Callable[[], None]) -> BaseException | None:
        """Run `work`, again after an OperationalError (which may pass: a lock, a full or busy disk), ATTEMPTS
        times at most and never after the close deadline; the last error, or None once it worked."""
        error: BaseException = TimeoutError("the log closed before it could be written")
        for attempt in range(ATTEMPTS):
            if time.monotonic() >= self._deadline:
                break
            if attempt:
                time.sleep(min(BACKOFF_SECONDS[attempt - 1], max(0.0, self._deadline - time.monotonic())))
            try:
                work()
                return None
            except sqlite3.OperationalError as failure:
                error = failure
                self._last_error = str(failure)
            except Exception as failure:  # a damaged file, a bug: waiting will not help; the thread goes on
                return failure
        return error

    def _tell(self, text: str) -> None:
        """Say a problem through on_problem, once until a write works again; a failing listener (a window
        already gone) must not stop the writer."""
        with self._ready:
            if self._told:
                return
            self._told = True
        try:
            self.on_problem(text)
        except Exception:  # nobody left to tell
            pass
