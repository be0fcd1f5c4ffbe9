from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from indicators.selectors import observation_records

FIELDS = [
    "region_code",
    "region_name",
    "indicator_code",
    "indicator_name",
    "industry",
    "cluster",
    "year",
    "value",
    "unit",
    "status",
    "upload_id",
    "flag",
    "note",
]


class Command(BaseCommand):
    help = "导出统计数据（标准计量单位）。默认只导出已审核数据。"

    def add_arguments(self, parser):
        parser.add_argument("--region", metavar="CODE")
        parser.add_argument("--year", type=int)
        parser.add_argument("--status", choices=["approved", "all"], default="approved")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, *args, region=None, year=None, status="approved", format="csv", **options):
        records = observation_records(region=region, year=year, status=status)
        write_records(self.stdout, records, FIELDS, format)
