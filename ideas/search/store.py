"""Where the index lives on disk, and how several processes share it safely.

Layout of SEARCH_INDEX_DIR:

    CURRENT          the name of the live generation directory (replaced atomically)
    gen-<stamp>/     a complete Tantivy index; `flask search rebuild` fills a new one
      WRITELOCK      flock()ed by the one process writing to this generation
    pending          idea ids a busy writer could not apply, one per line
    rebuilding       ids changed while a rebuild runs (exists only during a rebuild)
    swap.lock        taken briefly to create the first index or to swap generations

One process writes to an index at a time, holding an flock()ed file, which the kernel
releases if the process dies: a crashed writer never leaves the index locked (Tantivy's
own writer lock, taken inside ours, is an flock too). Tantivy writes new segments first
and publishes them by replacing its meta.json last, so a crash leaves the previous
commit intact.
"""

import fcntl
import logging
import os
import random
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import tantivy

from ideas.search.engine import index_schema

log = logging.getLogger(__name__)

POINTER, PENDING, JOURNAL, SWAP_LOCK = "CURRENT", "pending", "rebuilding", "swap.lock"
# Touched whenever a writer takes the queue: its time tells every process when that was.
TAKEN = "taken"
WRITE_LOCK = "WRITELOCK"
GENERATION_PREFIX = "gen-"


class IndexBusy(Exception):
    """The index stayed locked by another writer for longer than we are willing to wait."""


@contextmanager
def _flocked(path: Path) -> Iterator[int]:
    """Hold an exclusive flock() on a small file; released on exit or if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _read_ids(fd: int) -> dict[int, None]:
    """The ids in the file, once each, oldest first (a dict keeps the order)."""
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return dict.fromkeys(int(line) for line in b"".join(chunks).split() if line.isdigit())


def _append_ids(fd: int, ids: Iterable[int]) -> None:
    os.lseek(fd, 0, os.SEEK_END)
    os.write(fd, "".join(f"{i}\n" for i in ids).encode())


class WriteLock:
    """A generation's writer lock: a non-blocking flock() on its WRITELOCK file."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock if nobody holds it; True when taken."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Give the lock back (closing the descriptor releases the flock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class IndexStore:
    """One index directory: its live generation, its writers and its queues."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self._indexes: dict[str, tantivy.Index] = {}
        self._opening = threading.Lock()

    # -- generations -------------------------------------------------------------

    def current_name(self) -> str | None:
        """The live generation's directory name, or None before the first index exists."""
        try:
            name = (self.root / POINTER).read_text().strip()
        except FileNotFoundError:
            return None
        if not name.startswith(GENERATION_PREFIX) or "/" in name or not name:
            return None
        return name

    def _new_generation(self) -> tuple[str, tantivy.Index]:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        name = f"{GENERATION_PREFIX}{stamp}-{secrets.token_hex(4)}"
        path = self.root / name
        path.mkdir(parents=True)
        return name, tantivy.Index(index_schema(), path=str(path), reuse=False)

    def _point_to(self, name: str) -> None:
        """Make `name` the live generation in one atomic rename."""
        tmp = self.root / f".{POINTER}.{os.getpid()}.{secrets.token_hex(4)}"
        with open(tmp, "w") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.root / POINTER)

    def ensure(self) -> str:
        """The live generation, creating an empty index first if there is none."""
        name = self.current_name()
        if name is not None and (self.root / name).is_dir():
            return name
        self.root.mkdir(parents=True, exist_ok=True)
        with _flocked(self.root / SWAP_LOCK):
            name = self.current_name()  # another process may have created it meanwhile
            if name is None or not (self.root / name).is_dir():
                name, _ = self._new_generation()
                self._point_to(name)
        return name

    def index(self, name: str) -> tantivy.Index:
        """The Tantivy index of a generation, opened once per process."""
        ix = self._indexes.get(name)
        if ix is None:
            with self._opening:
                ix = self._indexes.get(name)
                if ix is None:
                    path = self.root / name
                    if not (path / "meta.json").exists():
                        raise FileNotFoundError(path)  # removed by a rebuild's swap
                    ix = tantivy.Index(index_schema(), path=str(path), reuse=True)
                    # Readers reload when told to (searcher() below), not on a timer, so
                    # a search always sees the last commit, whichever process made it.
                    ix.config_reader(reload_policy="Manual")
                    self._indexes = {name: ix}  # older generations are never written again
        return ix

    def exists(self) -> bool:
        """True when a live index exists."""
        name = self.current_name()
        return name is not None and (self.root / name).is_dir()

    # -- writing -----------------------------------------------------------------

    @contextmanager
    def locked(self, timeout: float) -> Iterator[tantivy.Index]:
        """Hold the live generation's write lock, waiting up to `timeout` with backoff.

        Yields the index, for one Tantivy writer at a time. Raises IndexBusy if the lock
        stays taken. If a rebuild swapped in a new generation while we waited, we move to
        it rather than write to the old one.
        """
        deadline = time.monotonic() + timeout
        delay = 0.01
        while True:
            name = self.ensure()
            try:
                ix = self.index(name)
                lock = self.lock(name)
                acquired = lock.acquire()
            except (OSError, ValueError):
                acquired = False  # a rebuild removed this generation just now
            if acquired and self.current_name() != name:
                lock.release()
                continue
            if acquired:
                break
            if time.monotonic() >= deadline:
                raise IndexBusy(f"search index {self.root} is busy")
            pause = min(delay * (1 + random.random()), max(deadline - time.monotonic(), 0))  # noqa: S311
            time.sleep(pause)
            delay = min(delay * 2, 0.5)
        try:
            yield ix
        finally:
            lock.release()

    def lock(self, name: str) -> WriteLock:
        """The write lock of a generation (not taken)."""
        return WriteLock(self.root / name / WRITE_LOCK)

    def write_lock(self, name: str, timeout: float) -> WriteLock:
        """Wait for a generation's write lock; return it held (call .release())."""
        lock = self.lock(name)
        deadline = time.monotonic() + timeout
        while not lock.acquire():
            if time.monotonic() >= deadline:
                raise IndexBusy(f"search index {self.root / name} is busy")
            time.sleep(0.05)
        return lock

    # -- queues ------------------------------------------------------------------

    def queue_pending(self, ids: Iterable[int]) -> None:
        """Remember ids a busy writer could not apply; the next writer applies them."""
        ids = set(ids)
        if ids:
            self.root.mkdir(parents=True, exist_ok=True)
            with _flocked(self.root / PENDING) as fd:
                _append_ids(fd, sorted(ids))

    def take_pending(self, limit: int | None = None) -> set[int]:
        """Remove and return the queued ids, the oldest `limit` of them if given.

        Call while holding the index's write lock. The rest stay queued, in their order,
        so a writer that takes part of a long queue never leaves the oldest ids behind.
        """
        path = self.root / PENDING
        if not path.exists() or path.stat().st_size == 0:
            return set()
        with _flocked(path) as fd:
            queued = list(_read_ids(fd))
            taken, rest = (queued, []) if limit is None else (queued[:limit], queued[limit:])
            os.ftruncate(fd, 0)
            _append_ids(fd, rest)
        return set(taken)

    def mark_taken(self, at: float | None = None) -> None:
        """Record that a writer took the queue now (or at `at`, seconds since the epoch)."""
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / TAKEN
        path.touch()
        if at is not None:
            os.utime(path, (at, at))

    def taken_at(self) -> float:
        """When a writer of any process last took the queue (seconds since the epoch)."""
        try:
            return (self.root / TAKEN).stat().st_mtime
        except FileNotFoundError:
            return float("-inf")

    def peek_pending(self) -> set[int]:
        """The queued ids, left in the queue."""
        path = self.root / PENDING
        if not path.exists():
            return set()
        with _flocked(path) as fd:
            return set(_read_ids(fd))

    def journal_if_rebuilding(self, ids: Iterable[int]) -> None:
        """During a rebuild, note changed ids so they reach the new generation too."""
        path = self.root / JOURNAL
        if not path.exists():
            return
        # The flag is checked and written under the lock the rebuild takes to finish.
        with _flocked(self.root / SWAP_LOCK), suppress(FileNotFoundError):
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            try:
                _append_ids(fd, sorted(ids))
            finally:
                os.close(fd)

    # -- rebuilding --------------------------------------------------------------

    def begin_rebuild(self) -> tuple[str, tantivy.Index]:
        """Start journalling changes and create the new, not yet live, generation."""
        self.root.mkdir(parents=True, exist_ok=True)
        with _flocked(self.root / SWAP_LOCK):
            (self.root / JOURNAL).touch()
        return self._new_generation()

    def swap(self, name: str, timeout: float) -> set[int]:
        """Make a built generation live; return the ids changed while it was built.

        The old generation's write lock is held across the swap, so no writer is in the
        middle of a commit there; writers waiting for it see the new pointer and move.
        """
        old = self.current_name()
        held = None
        if old is not None and (self.root / old).is_dir():
            held = self.write_lock(old, timeout)
        try:
            with _flocked(self.root / SWAP_LOCK):
                self._point_to(name)
                journal = self.root / JOURNAL
                changed = set()
                if journal.exists():
                    with open(journal, "rb") as handle:
                        changed = {int(x) for x in handle.read().split() if x.isdigit()}
                    journal.unlink()
        finally:
            if held is not None:
                held.release()
        self.remove_other_generations(name)
        return changed

    def abandon_rebuild(self, name: str) -> None:
        """Undo a failed rebuild: stop journalling and delete the half-built generation."""
        with _flocked(self.root / SWAP_LOCK):
            (self.root / JOURNAL).unlink(missing_ok=True)
        shutil.rmtree(self.root / name, ignore_errors=True)

    def remove_other_generations(self, keep: str) -> None:
        """Delete every generation but the live one (open searchers keep their files)."""
        for path in self.root.glob(f"{GENERATION_PREFIX}*"):
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)

    # -- reading -----------------------------------------------------------------

    def searcher(self) -> tantivy.Searcher:
        """A searcher on the live generation as of its last commit (by any process).

        Reloading costs about 20 µs when nothing changed; a searcher keeps the segments it
        opened with for as long as it is used, whatever writers do meanwhile.
        """
        ix = self.index(self.ensure())
        ix.reload()
        return ix.searcher()

    def size_bytes(self) -> int:
        """Bytes used by the live generation."""
        name = self.current_name()
        if name is None:
            return 0
        return sum(p.stat().st_size for p in (self.root / name).rglob("*") if p.is_file())
