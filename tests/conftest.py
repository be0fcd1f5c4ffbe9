import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real catalog once per test session: most tests read documents, targets, regions."""
    with django_db_blocker.unblock():
        from indicators.models import DataVersion
        from targets.services import catalog_bootstrap

        catalog_bootstrap()
        # the tables the bootstrap's commit stored would outlive every test's rollback, and tests add data
        # without moving the version: each test computes its own (fresh_gap_tables)
        DataVersion.objects.update(tables_key="")


@pytest.fixture(autouse=True, scope="session")
def tables_root(tmp_path_factory):
    """The tables a test's commit stores go to a directory of the test session's, not the checkout's var/tables
    (where a developer's own server keeps its files)."""
    from django.conf import settings

    if settings.configured:
        settings.TABLES_ROOT = tmp_path_factory.mktemp("tables")
    yield


@pytest.fixture
def export(capsys):
    """Run a management command and return its stdout."""

    def run(*args):
        call_command(*args)
        return capsys.readouterr().out

    return run


@pytest.fixture(autouse=True)
def fresh_gap_tables():
    """Each test sees its own data: drop cached gap tables (the database rolls back between tests,
    the in-process memo would not). Skipped when the pure modules are tested without Django."""
    from django.conf import settings

    if not settings.configured:
        yield
        return
    from django.core.cache import cache

    from targets import reports

    cache.clear()
    reports._memo.update(version=None, tables={})
    yield
