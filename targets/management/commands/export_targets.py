from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from targets.selectors import target_records

FIELDS = [
    "document",
    "clause",
    "indicator_code",
    "indicator_name",
    "kind",
    "comparator",
    "value",
    "unit",
    "target_year",
    "target_year_inferred",
    "base_year",
    "per_year",
    "scope",
    "excerpt",
]


class Command(BaseCommand):
    help = "导出全部目标（每个目标一条记录）。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, format="json", **options):
        records = target_records()
        write_records(
            self.stdout, records, FIELDS + ["target_id", "label", "note", "policy_input", "share_of", "also_in"], format
        )
