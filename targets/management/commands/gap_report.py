import sys

from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from targets import scopes
from targets.pages import records
from targets.reports import gap_table, inputs

FIELDS = [
    "target_id",
    "document",
    "indicator_code",
    "indicator_name",
    "kind",
    "comparator",
    "target_value",
    "target_year",
    "unit",
    "actual_value",
    "actual_year",
    "gap",
    "achieved_share",
    "required_annual_growth",
    "observed_annual_growth",
    "projected_value",
    "status",
    "members_included",
    "benchmark",
    "members_passing",
    "missing",
    "membership_as_of",
    "reported",
    "basis",
]


class Command(BaseCommand):
    help = "目标差距报告：每个适用目标一条记录。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scope", required=True, help="province|city:CODE|county:CODE|group:SLUG|cluster:SLUG[:ROLE]|sector:CODE|…"
        )
        parser.add_argument("--role", choices=["core", "coordination"])
        parser.add_argument("--document", metavar="CODE")
        parser.add_argument("--as-of", type=int, dest="as_of")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--include-submitted", action="store_true", help="use submitted values awaiting review")

    def handle(self, *args, scope, role=None, document=None, as_of=None, format="json", include_submitted=False, **o):
        try:
            scope = str(scopes.validate(scope, inputs().catalog))
        except ValueError as exc:
            self.stderr.write(f"{exc} (see export_regions for codes and slugs)")
            sys.exit(2)
        table = gap_table([scope], as_of=as_of, role=role, document=document, include_submitted=include_submitted)
        rows = records(table[table["scope"] == scope])
        write_records(self.stdout, rows, FIELDS + ["label", "members_closest", "growth_basis", "scope"], format)
