"""Settings for benchmark runs: the project's settings, with STATIC_ROOT movable to a temp dir.

DEBUG=0 needs collected static files (the manifest storage); the bench collects them into
BENCH_STATIC_ROOT so nothing is written into the work tree."""

import os

from zjindustry.settings import *  # noqa: F403
from zjindustry.settings import STATIC_ROOT as _DEFAULT_STATIC_ROOT

STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or _DEFAULT_STATIC_ROOT
