import json
import sys

from django.core.management.base import BaseCommand

from indicators.models import ReportingRound
from indicators.rounds import export_rows, round_status, write_csv


class Command(BaseCommand):
    help = "某年填报轮次各县（市、区）的状态：JSON（每行一条记录）或 CSV。退出码：0 成功，2 没有该轮次。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, year, format, **options):
        rnd = ReportingRound.objects.filter(year=year).first()
        if rnd is None:
            self.stderr.write(f"round_status: {year}年没有填报轮次")
            sys.exit(2)
        records = round_status(rnd)
        if format == "csv":
            write_csv(records, self.stdout)
        else:
            for row in export_rows(records):
                self.stdout.write(json.dumps(row, ensure_ascii=False))
