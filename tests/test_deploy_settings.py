"""Production settings: `check --deploy` is clean, and DEBUG=0 refuses to start without a SECRET_KEY."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    full = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    full.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True)


def test_check_deploy_prints_no_warning_under_production_settings():
    result = manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY="x" * 50 + "-a-long-random-production-key",
        ALLOWED_HOSTS="zj.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_is_off_unless_asked_for():
    """Outside `make run` and the test runner, a missing DEBUG means production: no key, no start."""
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "PYTEST_VERSION"}}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_no_secret_key_is_committed():
    settings_text = (ROOT / "zjindustry" / "settings.py").read_text()
    assert 'SECRET_KEY = "' not in settings_text and "insecure" not in settings_text
