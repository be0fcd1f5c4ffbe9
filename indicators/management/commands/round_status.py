import sys

from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from indicators.models import ReportingRound
from indicators.rounds import FIELDS, export_rows, round_status


class Command(BaseCommand):
    help = "某年填报轮次各县（市、区）的状态，JSON 或 CSV，每县一条记录。退出码：0 成功，2 没有该轮次。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, year, format, **options):
        rnd = ReportingRound.objects.filter(year=year).first()
        if rnd is None:
            self.stderr.write(f"round_status: {year}年没有填报轮次")
            sys.exit(2)
        write_records(self.stdout, export_rows(round_status(rnd)), FIELDS, format)
