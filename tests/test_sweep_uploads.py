"""sweep_uploads: files under UPLOAD_ROOT that no Upload row names are removed once old enough."""

import os
import time

import pytest
from django.core.management import call_command

from indicators.models import Upload
from indicators.services import system_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path
    return tmp_path


def _file(root, name, age_minutes):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK")
    old = time.time() - age_minutes * 60
    os.utime(path, (old, old))
    return path


def test_old_orphans_go_kept_files_and_young_orphans_stay(upload_root, capsys):
    kept = _file(upload_root, "2026/12/kept.xlsx", 600)
    Upload.objects.create(
        original_name="a.xlsx", stored_name="2026/12/kept.xlsx", sha256="0" * 64, uploaded_by=system_user()
    )
    orphan = _file(upload_root, "2026/12/orphan.xlsx", 600)
    young = _file(upload_root, "2026/12/in-flight.xlsx", 1)
    call_command("sweep_uploads", "--older-than", "60")
    assert kept.exists() and young.exists() and not orphan.exists()
    assert capsys.readouterr().out.strip() == "2026/12/orphan.xlsx"


def test_a_dry_run_only_lists(upload_root, capsys):
    orphan = _file(upload_root, "x.xlsx", 600)
    call_command("sweep_uploads", "--dry-run")
    assert orphan.exists()
    assert "x.xlsx" in capsys.readouterr().out
