"""create_user: one account or a sheet of them, with a role, regions and a one-time password."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from indicators.access import regions_of, role_of
from indicators.models import OfficialRegion

pytestmark = pytest.mark.django_db
User = get_user_model()


def run(*args):
    """Run create_user; return (exit code, stdout lines, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("create_user", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        code, err = exc.returncode, io.StringIO(str(exc))
    return code, out.getvalue().splitlines(), err.getvalue()


def codes(user):
    return sorted(regions_of(User.objects.get(pk=user.pk)).values_list("code", flat=True))


def sheet(tmp_path, rows, header=("用户名", "角色", "地区代码", "邮箱")):
    wb = Workbook()
    wb.active.append(list(header))
    for row in rows:
        wb.active.append(list(row))
    path = tmp_path / "accounts.xlsx"
    wb.save(path)
    return str(path)


def test_it_creates_a_county_official_with_a_one_time_password():
    code, out, _ = run("yiwu", "--role", "county", "--region", "330782", "--email", "yw@example.cn")
    assert code == 0
    [line] = out
    username, password = line.split("\t")
    user = User.objects.get(username="yiwu")
    assert username == "yiwu" and len(password) >= 16
    assert user.check_password(password)
    assert (role_of(user), codes(user), user.email, user.is_staff) == ("county", ["330782"], "yw@example.cn", False)


def test_two_runs_print_two_different_passwords():
    first = run("prov", "--role", "province")[1][0].split("\t")[1]
    second = run("prov", "--role", "province")[1][0].split("\t")[1]
    assert first != second
    assert User.objects.get(username="prov").check_password(second)


def test_keep_password_updates_the_role_and_leaves_the_password():
    password = run("yiwu", "--role", "county", "--region", "330782")[1][0].split("\t")[1]
    code, out, _ = run("yiwu", "--role", "county", "--region", "330782", "331127", "--keep-password")
    assert code == 0 and out == ["yiwu\t(密码未改)"]
    user = User.objects.get(username="yiwu")
    assert user.check_password(password)
    assert codes(user) == ["330782", "331127"]


def test_an_admin_is_staff_and_superuser():
    run("boss", "--role", "admin")
    user = User.objects.get(username="boss")
    assert (role_of(user), user.is_staff, user.is_superuser) == ("admin", True, True)
    assert list(user.groups.values_list("name", flat=True)) == ["admin"]


def test_changing_the_role_replaces_the_group_and_drops_the_regions():
    run("zhang", "--role", "admin")
    run("zhang", "--role", "county", "--region", "331127")
    user = User.objects.get(username="zhang")
    assert (role_of(user), user.is_superuser, codes(user)) == ("county", False, ["331127"])
    run("zhang", "--role", "省级")
    user = User.objects.get(username="zhang")
    assert list(user.groups.values_list("name", flat=True)) == ["province"]
    assert not OfficialRegion.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["yiwu", "--role", "county"], "至少需要一个地区代码"),
        (["yiwu", "--role", "county", "--region", "999999"], "未知地区代码 999999"),
        (["yiwu", "--role", "county", "--region", "330621"], "已撤销"),  # 绍兴县, abolished in 2013
        (["yiwu", "--role", "mayor"], "未知角色"),
        (["yiwu", "--role", "province", "--email", "not-an-email"], "Email"),
        (["system", "--role", "admin"], "不可用"),
        (["--role", "admin"], "需要 USERNAME"),
    ],
)
def test_usage_errors_exit_with_code_two_and_write_nothing(args, message):
    before = User.objects.count()
    code, out, err = run(*args)
    assert code == 2
    assert message in err, err
    assert out == []
    assert User.objects.count() == before


def test_from_xlsx_provisions_every_row(tmp_path):
    path = sheet(
        tmp_path,
        [
            ("yiwu", "县级", "330782", "yw@example.cn"),
            ("lishui", "county", "331127、331102,331121", None),
            ("prov", "省级", None, None),
            (None, None, None, None),  # blank rows are skipped
            ("boss", "管理员", "", "boss@example.cn"),
        ],
    )
    code, out, _ = run("--from-xlsx", path)
    assert code == 0
    passwords = dict(line.split("\t") for line in out)
    assert list(passwords) == ["yiwu", "lishui", "prov", "boss"]
    for username, password in passwords.items():
        assert User.objects.get(username=username).check_password(password)
    assert codes(User.objects.get(username="lishui")) == ["331102", "331121", "331127"]
    assert role_of(User.objects.get(username="boss")) == "admin"
    assert role_of(User.objects.get(username="prov")) == "province"


def test_from_xlsx_is_all_or_nothing(tmp_path):
    path = sheet(tmp_path, [("yiwu", "县级", "330782", ""), ("jingning", "县级", "", "")])
    code, out, err = run("--from-xlsx", path)
    assert code == 2 and "jingning" in err
    assert not User.objects.filter(username__in=["yiwu", "jingning"]).exists()


def test_from_xlsx_lists_every_bad_row(tmp_path):
    path = sheet(tmp_path, [("a", "县级", "", ""), ("b", "县长", "", ""), ("c", "省级", "", "bad-mail")])
    code, _, err = run("--from-xlsx", path)
    assert code == 2 and "a: 县级用户至少需要一个地区代码" in err and "未知角色 '县长'" in err
    code, _, err = run("--from-xlsx", sheet(tmp_path, [("ok", "省级", "", ""), ("c", "省级", "", "bad-mail")]))
    assert code == 2 and "c: " in err and "Email" in err
    assert not User.objects.filter(username__in=["a", "b", "c", "ok"]).exists()


def test_from_xlsx_refuses_a_sheet_without_the_columns_or_with_a_name_twice(tmp_path):
    assert run("--from-xlsx", sheet(tmp_path, [("yiwu", "330782")], header=("用户名", "地区代码")))[0] == 2
    assert run("--from-xlsx", sheet(tmp_path, [("a", "省级", "", ""), ("a", "县级", "330782", "")]))[0] == 2
    assert run("--from-xlsx", str(tmp_path / "missing.xlsx"))[0] == 2
    assert not User.objects.filter(username__in=["a", "yiwu"]).exists()
