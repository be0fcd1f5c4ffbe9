import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators import versioning
from indicators.models import Region, Upload
from indicators.services import import_file, system_user


class Command(BaseCommand):
    help = "导入统计数据文件（与网页上传同一解析与校验）。退出码：0 接受，1 拒绝（未写入），2 用法错误。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--year", type=int)
        parser.add_argument("--region", metavar="CODE")
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--approve", action="store_true")
        parser.add_argument("--json", action="store_true")
        # checks that know the numbers (issue 14): a value 100x last year's refuses the file unless accepted
        parser.add_argument(
            "--accept-outliers", action="store_true", help="accept likely unit slips (100x last year) as warnings"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="表头=指标",
            help="read a column as an indicator (name or code), or 表头=忽略 to skip it; repeatable",
        )
        parser.add_argument("--skip-unknown", action="store_true", help="skip (and list) columns not in the catalog")

    def handle(
        self,
        *args,
        files,
        year=None,
        region=None,
        dry_run=False,
        approve=False,
        json=False,
        map=(),  # noqa: A002 - the option's name
        skip_unknown=False,
        accept_outliers=False,
        **options,
    ):
        if region and not Region.objects.filter(code=region).exists():
            self._usage(f"unknown region code {region}")
        column_map = {}
        for item in map:
            header, sep, target = item.partition("=")
            if not sep or not header.strip():
                self._usage(f'--map "{item}": expected "表头=指标名或代码"')
            column_map[header.strip()] = target.strip()
        if year is not None and not 1949 <= year <= 2100:
            self._usage(f"year {year} out of range")
        user = system_user()
        reports = []
        # One transaction for the command: each file is still all or nothing (a refused file's savepoint rolls
        # back alone), and the dashboard's tables are built once, after the last file and inside the transaction
        # (moved_once ends before the commit), so the new data is published with its tables: no worker waits for
        # them or computes them beside this command.
        with transaction.atomic(), versioning.moved_once():
            for name in files:
                path = Path(name)
                if not path.is_file():
                    self._usage(f"no such file: {name}")
                report = import_file(
                    data=path.read_bytes(),
                    filename=path.name,
                    user=user,
                    year=year,
                    region_code=region,
                    approve=approve,
                    dry_run=dry_run,
                    source=Upload.Source.CLI,
                    accept_outliers=accept_outliers,
                    column_map=column_map,
                    skip_unknown=skip_unknown,
                )
                report["file"] = name
                reports.append(report)
                if not json:
                    self._print(report, dry_run)
        if json:
            for report in reports:
                self.stdout.write(_json(report))
        if not all(r["accepted"] for r in reports):
            sys.exit(1)

    def _print(self, report, dry_run):
        verdict = "接受" if report["accepted"] else "拒绝（未写入任何数据）"
        suffix = "（试运行，未写入）" if dry_run and report["accepted"] else ""
        self.stdout.write(
            f"{report['file']}: {verdict}{suffix} 新增 {report['created']} 更新 {report['updated']} "
            f"未变 {report['unchanged']}"
        )
        for e in report["errors"]:
            self.stdout.write(f"  错误 {_where(e)}{e['message']}")
        for w in report["warnings"]:
            self.stdout.write(f"  提示 {_where(w)}{w['message']}")
        for header, name in report["mapped_columns"].items():
            self.stdout.write(f"  指定 {header} → {name}")
        if report["skipped_columns"]:
            self.stdout.write(f"  跳过的列：{'、'.join(report['skipped_columns'])}")
        if report["skipped_rows"]:
            self.stdout.write(f"  跳过的行：{'、'.join(report['skipped_rows'])}")

    def _usage(self, message):
        self.stderr.write(f"import_stats: {message}")
        sys.exit(2)


def _where(issue):
    return f"{issue['sheet']}!{issue['cell']}: " if issue["sheet"] or issue["cell"] else ""


def _json(report):
    keys = [
        "file",
        "accepted",
        "created",
        "updated",
        "unchanged",
        "errors",
        "warnings",
        "upload_id",
        "skipped_columns",
        "mapped_columns",
        "skipped_rows",
        "notes",
    ]
    return json.dumps({k: report.get(k) for k in keys}, ensure_ascii=False)


__all__ = ["Command", "CommandError"]
