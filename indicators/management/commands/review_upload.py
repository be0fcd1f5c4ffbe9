import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand

from indicators.models import Upload
from indicators.services import upload_approve, upload_return


class Command(BaseCommand):
    help = (
        "以某用户身份审核或退回一次上传（与网页同一规则：不能审核本人上传的数据）。"
        "退出码：0 成功，1 拒绝（未改动），2 用法错误。"
    )

    def add_arguments(self, parser):
        parser.add_argument("upload", type=int)
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--approve", action="store_true")
        action.add_argument("--return", dest="return_", action="store_true")
        parser.add_argument("--user", required=True, help="审核人用户名")
        parser.add_argument("--comment", default="")
        parser.add_argument("--override-reason", default="", help="超级用户审核本人上传时的理由")

    def handle(self, *args, upload, approve, return_, user, comment, override_reason, **options):
        reviewer = get_user_model().objects.filter(username=user).first()
        target = Upload.objects.filter(pk=upload).first()
        if reviewer is None or target is None:
            self.stderr.write(f"review_upload: {'用户' if reviewer is None else '上传'}不存在")
            sys.exit(2)
        action = upload_approve if approve else upload_return
        try:
            done = action(upload=target, user=reviewer, comment=comment, override_reason=override_reason)
        except (ValueError, PermissionDenied) as exc:
            self.stderr.write(f"review_upload: {exc}")
            sys.exit(1)
        self.stdout.write(f"#{done.pk}: {done.get_status_display()}")
