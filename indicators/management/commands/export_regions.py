import datetime

from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from indicators.selectors import region_records

FIELDS = ["code", "name", "level", "parent_code", "groups", "clusters", "short_name", "valid_from", "valid_to"]


class Command(BaseCommand):
    help = "导出当前行政区划（11个设区市、90个县级单位）及其所属区域组和集群（按名单在某年年末的成员）。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--all", action="store_true", help="include historical (renamed/abolished) units")
        parser.add_argument(
            "--year", type=int, help="groups and clusters as of 31 December of this year (default: today)"
        )

    def handle(self, *args, format="json", all=False, year=None, **options):
        # a year's list is the one in force at its end (年末), the date statistics of that year refer to
        as_of = datetime.date(year, 12, 31) if year else None
        records = region_records(include_historical=all, as_of=as_of)
        # cluster_roles is a list of records: JSON carries it, a CSV cell cannot
        fields = FIELDS + ["cluster_roles"] if format == "json" else FIELDS
        write_records(self.stdout, records, fields, format)
