from django.core.management.base import BaseCommand

from indicators.exporting import write_records
from targets import race
from targets.pages import records
from targets.reports import inputs
from targets.selectors import race_memberships


class Command(BaseCommand):
    help = "“415X”赛马：各省级特色产业集群核心区（协同区）按集群营业收入排名，每个成员一条记录。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--role", choices=["core", "coordination"])
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args, year, role=None, format="json", **options):
        table = race.league(race_memberships(), inputs().observations, year, role)
        write_records(self.stdout, records(table), race.RECORD_FIELDS + race.EXTRA_FIELDS, format)
