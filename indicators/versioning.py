"""The data version: one row in the database that every process (web workers, the command line) reads.

Anything cached from the data — gap tables in a worker's memory, rendered page bodies in the cache —
is keyed on ``key()``. Services that change what the dashboard shows call ``data_changed()`` as the
last step of their transaction: the version row is updated in that same transaction, so it becomes
visible exactly when the data does — never before (no worker can cache old data under the new key), and
it cannot be lost between the commit and a callback. The row lock it takes is the writer's last, so
two writers cannot deadlock on it. The version is read at most once per request
(``DataVersionMiddleware``); outside a request every call reads it.

After the commit, ``moved`` is sent in the writer's process: the dashboard builds the new version's tables
there (targets.reports.build_snapshot), so the readers' first page after a change finds them ready. Until
they are stored the row says BUILDING, and a reader waits for them (``stored_tables``) rather than have every
worker compute the same tables at once beside the writer.
"""

import contextlib
import contextvars
import logging
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

_request_version = contextvars.ContextVar("zj_data_version", default=None)

moved = Signal()  # sent once per data_changed(), after the commit that made the new version visible
_held = contextvars.ContextVar("zj_moved_held", default=None)
logger = logging.getLogger(__name__)


BUILDING = "building"  # tables_key from a commit until its writer stores the tables (or gives up)
BUILD_WAIT = timedelta(seconds=15)  # a reader waits this long after a commit at most (a writer may have died)

FIELDS = ("epoch", "generation", "tables_key", "changed_at")


def _read():
    """(epoch, generation, tables_key, changed_at) of the row (never the tables themselves)."""
    from .models import DataVersion

    row = DataVersion.objects.values_list(*FIELDS).first()
    if row is None:  # a fresh or emptied database: make the row (another process may race us to it)
        try:
            with transaction.atomic():
                DataVersion.objects.create(id=1, epoch=uuid.uuid4().hex, generation=1)
        except IntegrityError:
            pass
        row = DataVersion.objects.values_list(*FIELDS).get()
    return row


def _row():
    box = _request_version.get()
    if box is None:
        return _read()
    if not box:
        box.append(_read())
    return box[0]


def current():
    """(epoch, generation) of the committed data; once per request inside one."""
    return _row()[:2]


def in_request():
    """Whether a request is being answered in this context (DataVersionMiddleware holds its version)."""
    return _request_version.get() is not None


def key():
    """The cache key part for the committed data, e.g. "3f2a…9c.42"."""
    epoch, generation = current()
    return f"{epoch}.{generation}"


def tables_key():
    """The name of the tables stored with the version read (store_tables), "" when none are."""
    return _row()[2]


def _tables_path(name):
    return Path(settings.TABLES_ROOT) / (name.replace(":", "_") + ".bin")


def _awaited(wait):
    """The tables key of the version read, once its writer has stored them: while the row says BUILDING (for at
    most BUILD_WAIT after the commit) poll it; "" when a newer commit came first or the writer gave up. Inside a
    transaction the row may not show the writer's update, so nothing is awaited there."""
    epoch, generation, stored, changed_at = _row()
    wait = wait and not connection.in_atomic_block
    while stored == BUILDING and wait and timezone.now() < changed_at + BUILD_WAIT:
        time.sleep(0.05)
        row = _read()
        stored = row[2] if row[:2] == (epoch, generation) else ""
    return "" if stored == BUILDING else stored


def stored_tables(name, wait=True):
    """The tables stored with the version read as ``name`` (store_tables), or None: no file is opened unless the
    version row names them, and a host that cannot see the file (or a swept one) gets None and computes. With
    ``wait``, a build in progress is waited for (see _awaited)."""
    if not name or _awaited(wait) != name:
        return None
    try:
        return _tables_path(name).read_bytes()
    except OSError:
        return None


TABLES_KEPT = 3  # a worker still answering on the previous version may be reading its file


def store_tables(version, name, data):
    """Write ``data`` as ``name`` under TABLES_ROOT (a shared directory, like UPLOAD_ROOT) and point the version
    ``version`` (a key()) at it, if that version is still the newest: a later commit has emptied the row and its
    writer stores its own. The file is complete before the row names it. Returns whether it was stored."""
    path = _tables_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own for each writer (two threads of one process may build the same version at once)
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(partial, path)
    stored = _of_version(version).update(tables_key=name) > 0
    for old in sorted(path.parent.glob("*.bin"), key=lambda p: p.stat().st_mtime)[:-TABLES_KEPT]:
        old.unlink(missing_ok=True)
    return stored


def build_failed(version):
    """The writer could not build the tables of ``version``: its readers stop waiting and compute their own."""
    _of_version(version).filter(tables_key=BUILDING).update(tables_key="")


def _of_version(version):
    from .models import DataVersion

    epoch, _sep, generation = version.partition(".")
    return DataVersion.objects.filter(id=1, epoch=epoch, generation=int(generation))


@contextlib.contextmanager
def pinned():
    """The committed version, read once and held for the block (as a request holds its own): work done after a
    commit is keyed on the version it started from, even inside a request that read an older one."""
    token = _request_version.set([_read()])
    try:
        yield key()
    finally:
        _request_version.reset(token)


def data_changed():
    """Move the version, in the caller's transaction (commits with the data it describes)."""
    from .models import DataVersion

    # the row stops naming the old version's tables (they would only ever be read under their own key); readers
    # wait for this writer's build
    moved_on = {"generation": F("generation") + 1, "changed_at": timezone.now(), "tables_key": BUILDING}
    if not DataVersion.objects.filter(id=1).update(**moved_on):
        _read()
        DataVersion.objects.filter(id=1).update(**moved_on)
    held = _held.get()
    if held is not None:
        held.append(True)
        return
    # robust: the data is committed whatever a receiver does; Django logs a failure, and readers compute instead
    transaction.on_commit(_announce, robust=True)


def _announce():
    from .models import DataVersion

    moved.send(sender=DataVersion)


@contextlib.contextmanager
def moved_once():
    """Commits inside the block move the version as usual, but ``moved`` is sent once, at the end: a bulk load
    (bootstrap, a batch of files) has the dashboard's tables built for its last version, not after every file."""
    held = []
    token = _held.set(held)
    try:
        yield
    finally:
        _held.reset(token)
        if held:
            try:
                _announce()
            except Exception:  # the data is committed; readers compute what the receiver could not
                logger.exception("building the tables of the new data version failed")


class DataVersionMiddleware:
    """Scopes the version to the request: read lazily, at most once; sent back as X-Data-Version
    when the page used it (the load benchmark checks no response shows a version older than the last commit)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        box = []
        token = _request_version.set(box)
        try:
            response = self.get_response(request)
        finally:
            _request_version.reset(token)
        if box:
            response["X-Data-Version"] = str(box[0][1])
        return response
