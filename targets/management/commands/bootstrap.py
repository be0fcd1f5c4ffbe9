from django.core.management import call_command
from django.core.management.base import BaseCommand

from indicators import versioning
from targets.services import catalog_bootstrap


class Command(BaseCommand):
    help = (
        "载入目录（文件、指标、目标、行政区划、区域组、集群）；--published 载入公开数据，--demo 载入示例数据"
        "（示例数据不覆盖公开数据）。可重复运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also load the synthetic demo statistics")
        parser.add_argument(
            "--published", action="store_true", help="also load the published figures of fixtures/published/"
        )

    def handle(self, *args, demo=False, published=False, **options):
        call_command("migrate", interactive=False, verbosity=0)
        with versioning.moved_once():  # the dashboard's tables are built once, for the loaded data
            self.load(demo, published)

    def load(self, demo, published):
        changed = catalog_bootstrap()
        self.stdout.write(f"catalog: {changed} rows created or changed")
        if published:  # before the demo: a demo value never stands in for a published one
            from indicators.published import published_load

            reports = published_load()
            created = sum(r["created"] + r["updated"] for r in reports)
            self.stdout.write(f"published: {created} observations created (公开数据, {len(reports)} sources)")
        if demo:
            from targets.demo import demo_load

            created = demo_load()
            self.stdout.write(f"demo: {created} observations created (示例数据)")
