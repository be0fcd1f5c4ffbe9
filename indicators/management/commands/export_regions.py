from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from indicators.selectors import region_records


class Command(BaseCommand):
    help = "导出当前行政区划（11个设区市、90个县级单位）及其所属区域组和集群。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--all", action="store_true", help="include historical (renamed/abolished) units")

    def handle(self, *args, format="json", all=False, **options):
        fields = ["code", "name", "level", "parent_code", "groups", "clusters", "short_name", "valid_from", "valid_to"]
        write_records(self.stdout, region_records(include_historical=all), fields, format)
