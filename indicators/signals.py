"""Signals the indicators app sends; `indicators` must not import `targets`, so listeners live there."""

from django.dispatch import Signal

# Sent after observations were written, approved or returned (the upload is the sender).
observations_changed = Signal()
