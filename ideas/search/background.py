"""The background sync: a thread per web process that drains the queue of vote changes.

Votes reach the index through a queue (index.queue_votes). Left to requests, a long queue
made one member wait: after a minute of a vote storm the queue names 10,000 ideas or more,
and the vote or search that took it reindexed them all (25 s measured). This thread takes
the queue every SEARCH_SYNC_SECONDS, a batch per hold of the index lock, so requests only
ever add one batch to their own work. One thread per web process, started by its first
request (after gunicorn forks its workers), for the app that wsgi.py serves: apps built
for tests, commands and scripts start none. With several processes, whichever holds the
lock drains and the others find the queue short. SEARCH_SYNC_SECONDS = 0 turns it off
(then the requests' own flushes and `flask search sync` from cron keep the queue short).
"""

import logging
import os
import threading

from flask import Flask, request_started

log = logging.getLogger(__name__)

_lock = threading.Lock()
# The running thread of this process, by application (tests build several apps), with the
# process id that started it: a forked child inherits the dict but not the thread.
_running: dict[int, tuple[int, threading.Thread, threading.Event]] = {}


def _drain(app: Flask, interval: float, stop: threading.Event) -> None:
    from ideas.search.index import flush_pending  # late: it imports the models

    while not stop.wait(interval):
        try:
            with app.app_context():
                # Never waits for the lock: a writer holding it takes a batch itself.
                flush_pending(timeout=0)
        except Exception:  # the thread must outlive any one failure
            log.exception("background search sync failed; trying again in %.0f s", interval)


def ensure_started(app: Flask) -> bool:
    """Start this process's sync thread for `app` unless it runs or is turned off.

    Returns True when a thread is running.
    """
    interval = float(app.config.get("SEARCH_SYNC_SECONDS", 0))
    if interval <= 0:
        return False
    key = id(app)
    with _lock:
        pid, thread, _stop = _running.get(key, (None, None, None))
        if pid == os.getpid() and thread.is_alive():
            return True
        stop = threading.Event()
        thread = threading.Thread(
            target=_drain, args=(app, interval, stop), name="search-sync", daemon=True
        )
        thread.start()
        _running[key] = (os.getpid(), thread, stop)
    return True


def stop(app: Flask, timeout: float = 10.0) -> None:
    """Stop the sync thread of `app` in this process, waiting for its current flush."""
    with _lock:
        pid, thread, event = _running.pop(id(app), (None, None, None))
    if pid == os.getpid():
        event.set()
        thread.join(timeout)


def _start_for(sender: Flask, **_extra) -> None:
    ensure_started(sender)


def register(app: Flask) -> None:
    """Start the sync thread with the first request each process serves."""
    if float(app.config.get("SEARCH_SYNC_SECONDS", 0)) > 0:
        # A signal rather than a before_request function: it fires for every request,
        # including those another before_request function answers (a sign-in redirect).
        request_started.connect(_start_for, app)
