import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real catalog once per test session: most tests read documents, targets, regions."""
    with django_db_blocker.unblock():
        from targets.services import catalog_bootstrap

        catalog_bootstrap()


@pytest.fixture
def export(capsys):
    """Run a management command and return its stdout."""

    def run(*args):
        call_command(*args)
        return capsys.readouterr().out

    return run
