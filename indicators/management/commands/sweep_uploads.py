import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from indicators.models import Upload


class Command(BaseCommand):
    help = "删除上传目录中没有对应上传记录的孤立文件（例如请求中断留下的文件）。"

    def add_arguments(self, parser):
        # files are written once their upload row has committed; a young file may still be being written
        parser.add_argument("--older-than", type=int, default=60, metavar="MINUTES")
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, *args, older_than=60, dry_run=False, **options):
        root = Path(settings.UPLOAD_ROOT)
        kept = set(Upload.objects.exclude(stored_name="").values_list("stored_name", flat=True))
        cutoff = time.time() - older_than * 60
        files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
        orphans = [p for p in files if p.relative_to(root).as_posix() not in kept and p.stat().st_mtime < cutoff]
        for path in orphans:
            self.stdout.write(str(path.relative_to(root)))
            if not dry_run:
                path.unlink(missing_ok=True)
        verb = "可删除" if dry_run else "已删除"
        self.stderr.write(f"{verb} {len(orphans)} 个孤立文件（共 {len(files)} 个文件）")
