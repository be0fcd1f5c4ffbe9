import sys

from django.core.management.base import BaseCommand

from indicators.rounds import round_close


class Command(BaseCommand):
    help = "关闭某年的数据填报轮次，锁定该年已审核的数据。退出码：0 成功，1 拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)

    def handle(self, *args, year, **options):
        try:
            round_close(year=year)
        except ValueError as exc:
            self.stderr.write(f"close_round: {exc}")
            sys.exit(1)
        self.stdout.write(f"{year}: 已关闭，已审核数据已锁定")
