"""The data version: one row in the database that every process (web workers, the command line) reads.

Anything cached from the data — gap tables in a worker's memory, rendered page bodies in the cache —
is keyed on ``key()``. Services that change what the dashboard shows call ``data_changed()`` as the
last step of their transaction: the version row is updated in that same transaction, so it becomes
visible exactly when the data does — never before (no worker can cache old data under the new key), and
it cannot be lost between the commit and a callback. The row lock it takes is the writer's last, so
two writers cannot deadlock on it. The version is read at most once per request
(``DataVersionMiddleware``); outside a request every call reads it.
"""

import contextvars
import uuid

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

_request_version = contextvars.ContextVar("zj_data_version", default=None)


def _read():
    from .models import DataVersion

    row = DataVersion.objects.values_list("epoch", "generation").first()
    if row is None:  # a fresh or emptied database: make the row (another process may race us to it)
        try:
            with transaction.atomic():
                DataVersion.objects.create(id=1, epoch=uuid.uuid4().hex, generation=1)
        except IntegrityError:
            pass
        row = DataVersion.objects.values_list("epoch", "generation").get()
    return row


def current():
    """(epoch, generation) of the committed data; once per request inside one."""
    box = _request_version.get()
    if box is None:
        return _read()
    if not box:
        box.append(_read())
    return box[0]


def key():
    """The cache key part for the committed data, e.g. "3f2a…9c.42"."""
    epoch, generation = current()
    return f"{epoch}.{generation}"


def data_changed():
    """Move the version, in the caller's transaction (commits with the data it describes)."""
    from .models import DataVersion

    if not DataVersion.objects.filter(id=1).update(generation=F("generation") + 1, changed_at=timezone.now()):
        _read()
        DataVersion.objects.filter(id=1).update(generation=F("generation") + 1, changed_at=timezone.now())


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
