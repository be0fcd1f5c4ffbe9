import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create a local admin account with a random password, or say how to reuse the existing one."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username="admin", **options):
        User = get_user_model()
        note = settings.BASE_DIR / "var" / "admin-password.txt"
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, password=password, email="")
            note.parent.mkdir(parents=True, exist_ok=True)
            note.write_text(f"{username} {password}\n", encoding="utf-8")
            note.chmod(0o600)
            self.stdout.write(f"Created admin account: user '{username}', password '{password}'")
            self.stdout.write(f"(kept in {note}, readable by you only)")
        elif note.exists():
            self.stdout.write(f"Admin account '{username}' exists; its password is in {note}")
        else:
            self.stdout.write(
                f"Admin account '{username}' exists; set a new password with: "
                f".venv/bin/python manage.py changepassword {username}"
            )
        self.stdout.write("Log in at http://127.0.0.1:8000/admin/")
