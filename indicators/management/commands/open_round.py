import datetime
import sys

from django.core.management.base import BaseCommand

from indicators.rounds import round_open


class Command(BaseCommand):
    help = "开启某年的数据填报轮次（已关闭的轮次须用 --reason 说明重新开启的原因）。退出码：0 成功，1 拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--deadline", type=datetime.date.fromisoformat, required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--indicators", default="", metavar="CODE,...", help="默认：填报模板的全部指标")
        parser.add_argument("--reason", default="")

    def handle(self, *args, year, deadline, indicators, reason, **options):
        codes = [c.strip() for c in indicators.split(",") if c.strip()]
        try:
            rnd = round_open(year=year, deadline=deadline, indicator_codes=codes, reason=reason)
        except ValueError as exc:
            self.stderr.write(f"open_round: {exc}")
            sys.exit(1)
        self.stdout.write(f"{rnd.year}: 填报中，截止 {rnd.deadline.isoformat()}，必报指标 {rnd.indicators.count()} 项")
