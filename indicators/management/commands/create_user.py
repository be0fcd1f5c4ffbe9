import re
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from openpyxl import load_workbook

from indicators.access import CITY, COUNTY, ROLES, account_provision, check_account, parse_role

COLUMNS = {"username": "用户名", "role": "角色", "regions": "地区代码", "email": "邮箱"}


class Command(BaseCommand):
    help = (
        "创建或更新账号并设定角色（province/county/admin），打印一次性随机密码。"
        "县级用户至少一个 --region。--from-xlsx 按表批量开通（列：用户名、角色、地区代码、邮箱），全部成功或全部不写。"
        "退出码：0 成功，2 用法错误（未写入）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--role", help="/".join(ROLES) + " 或 省级/县级/管理员")
        parser.add_argument("--region", action="extend", nargs="+", default=[], metavar="CODE")
        parser.add_argument("--email", default="")
        parser.add_argument("--from-xlsx", metavar="FILE")
        parser.add_argument("--keep-password", action="store_true", help="更新已有账号时不重置密码")

    def handle(self, *args, username, role, region, email, from_xlsx, keep_password, **options):
        if from_xlsx:
            specs = read_sheet(from_xlsx) if not username else fail("--from-xlsx 与 USERNAME 不能同时使用")
        elif username and role:
            specs = [{"username": username, "role": role, "regions": region, "email": email}]
        else:
            fail("需要 USERNAME 和 --role，或 --from-xlsx FILE")
        problems = [problem for spec in specs if (problem := check(spec))]  # every row checked, then written
        if problems:
            fail("\n".join(problems))
        try:
            with transaction.atomic():  # all or nothing
                done = [self.provision(spec, keep_password) for spec in specs]
        except ValidationError as exc:  # the username's characters, the e-mail's form
            fail("; ".join(exc.messages))
        self.stderr.write("\n".join(note for _, note in done))
        self.stdout.write("\n".join(line for line, _ in done))

    def provision(self, spec, keep_password):
        exists = get_user_model().objects.filter(username=spec["username"]).exists()
        password = None if keep_password and exists else secrets.token_urlsafe(12)
        try:
            user, created = account_provision(
                username=spec["username"],
                role=spec["role"],
                region_codes=spec["regions"],
                email=spec["email"],
                password=password,
            )
        except ValidationError as exc:
            raise ValidationError([f"{spec['username']}: {m}" for m in exc.messages]) from exc
        role = parse_role(spec["role"])
        ignored = " (地区代码仅对县级用户有效，已忽略)" if spec["regions"] and role not in (CITY, COUNTY) else ""
        note = f"{'created' if created else 'updated'}: {user.username} {role} {' '.join(spec['regions'])}{ignored}"
        return f"{user.username}\t{password or '(密码未改)'}", note


def check(spec):
    try:
        check_account(username=spec["username"], role=spec["role"], region_codes=spec["regions"])
    except ValueError as exc:
        return str(exc)
    return None


def fail(message):
    raise CommandError(f"create_user: {message}", returncode=2)


def split_codes(text):
    """Split a cell of codes: "330782, 331127、330603" gives ["330782", "331127", "330603"]."""
    return [c for c in re.split(r"[,，、;；\s]+", str(text or "").strip()) if c]


def read_sheet(path):
    """The accounts of the first sheet: one dict per non-empty row, columns found by their header."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"无法读取 {path}: {exc}")
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    header = [str(c or "").strip() for c in (rows[0] if rows else [])]
    missing = [name for name in COLUMNS.values() if name != "邮箱" and name not in header]
    if missing:
        fail(f"{path}: 缺少列 {'、'.join(missing)}")
    col = {key: header.index(name) if name in header else None for key, name in COLUMNS.items()}

    def cell(row, key):
        i = col[key]
        value = row[i] if i is not None and i < len(row) else None
        return "" if value is None else str(int(value) if isinstance(value, float) else value).strip()

    specs = []
    for row in rows[1:]:
        if not any(v not in (None, "") for v in row):
            continue
        specs.append(
            {
                "username": cell(row, "username"),
                "role": cell(row, "role"),
                "regions": split_codes(cell(row, "regions")),
                "email": cell(row, "email"),
            }
        )
    names = [s["username"] for s in specs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        fail(f"{path}: 用户名重复 {', '.join(repeated)}")
    if not specs:
        fail(f"{path}: 没有账号")
    return specs
