from django.core.management.base import BaseCommand

from indicators.rounds import send_reminders


class Command(BaseCommand):
    help = (
        "提醒尚未提交的县（市、区）：截止日期在 N 天内或已过的开放轮次（供 cron 每日运行）。"
        "同一天重复运行不会重复提醒：每个轮次每位用户每天至多一条通知和一封邮件。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3)

    def handle(self, *args, days, **options):
        for year, users in send_reminders(days=days).items():
            self.stdout.write(f"{year}: 已提醒 {users} 位用户")
