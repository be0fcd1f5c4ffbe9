"""indicators/rounds.py and its commands: a round opened, filled by several counties (one late, one
partial, one returned and resubmitted), reviewed with and without the city, closed and reopened, with the
notifications sent and the county states right at every step."""

import csv
import datetime
import io
import json
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from indicators import rounds
from indicators.access import allowed_region_codes
from indicators.models import Notification, Observation, ReportingRound, Upload
from indicators.services import (
    import_file,
    system_user,
    upload_approve,
    upload_confirm,
    upload_create,
    upload_parse,
    upload_return,
)
from tests.test_access import make_user
from tests.test_import_stats import rollup

pytestmark = pytest.mark.django_db

YEAR = 2024
JINHUA = "330700"
YIWU, LANXI, DONGYANG, YONGKANG = "330782", "330781", "330783", "330784"
NAMES = {YIWU: "义乌市", LANXI: "兰溪市", DONGYANG: "东阳市", YONGKANG: "永康市"}
REQUIRED = ["value_added", "employees"]


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


@pytest.fixture
def people():
    officials = {code: make_user(f"u{code}", "county", [code]) for code in NAMES}
    for user in officials.values():
        user.email = f"{user.username}@example.org"
        user.save()
    province = make_user("prov", "province")
    province.email = "prov@example.org"
    province.save()
    return {**officials, "province": province, "province2": make_user("prov2", "province")}


def opened(days=10):
    return rounds.round_open(
        year=YEAR, deadline=timezone.localdate() + datetime.timedelta(days), indicator_codes=REQUIRED
    )


def draft(user, code, values, tmp_path, tag="a"):
    """A county official's preview of a one-row roll-up (value added, employees; None leaves a cell empty)."""
    path = rollup(YEAR, [(NAMES[code], *values)], name=f"{code}-{tag}.xlsx", tmp=tmp_path)
    data = path.read_bytes()
    options = {"year": YEAR, "region_code": code}
    result = upload_parse(data=data, filename=path.name, allowed_regions=allowed_region_codes(user), **options)
    assert result.accepted, result.errors
    return upload_create(user=user, filename=path.name, data=data, result=result, options=options)


def submit(user, code, values, tmp_path, tag="a"):
    upload = draft(user, code, values, tmp_path, tag)
    upload_confirm(upload=upload, allowed_regions=allowed_region_codes(user))
    upload.refresh_from_db()
    return upload


def status(rnd=None, city=JINHUA):
    rnd = rnd or ReportingRound.objects.get(year=YEAR)
    return {r["region_code"]: r for r in rounds.round_status(rnd, city=city)}


def inbox(user):
    return list(Notification.objects.filter(user=user).values_list("subject", flat=True))


def test_a_round_is_filled_late_partly_and_after_a_return_and_its_states_follow(people, tmp_path, settings):
    rnd = opened()
    before = status(rnd)
    # 金华 holds 9 counties: 婺城 金东 武义 浦江 磐安 兰溪 义乌 东阳 永康
    assert len(before) == 9 and {r["state"] for r in before.values()} == {"未开始"}
    assert before[YIWU]["required"] == 2 and before[YIWU]["on_time"] is None  # deadline ahead

    yiwu = draft(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    assert status()[YIWU]["state"] == "草稿"
    upload_confirm(upload=yiwu, allowed_regions={YIWU})
    row = status()[YIWU]
    assert (row["state"], row["filled"], row["on_time"]) == ("已提交", 2, True)
    assert any("待审核" in s for s in inbox(people["province"])), "the reviewers hear of a submission"

    partial = submit(people[LANXI], LANXI, (300.0, None), tmp_path)
    assert any("规模以上工业从业人员平均人数" in w["message"] and "部分提交" in w["message"] for w in partial.warnings)
    assert (status()[LANXI]["state"], status()[LANXI]["filled"]) == ("已提交", 1)

    late = timezone.now() + datetime.timedelta(days=12)  # two days past the deadline
    with mock.patch("django.utils.timezone.now", return_value=late):
        submit(people[DONGYANG], DONGYANG, (650.0, 28.0), tmp_path)
    assert (status()[DONGYANG]["state"], status()[DONGYANG]["on_time"]) == ("已提交", False)

    upload_return(upload=yiwu, user=people["province"], comment="从业人员数偏高，请核对")
    assert (status()[YIWU]["state"], status()[YIWU]["filled"]) == ("已退回", 0)
    told = Notification.objects.get(user=people[YIWU])
    assert "已退回" in told.subject and "从业人员数偏高" in told.body

    again = submit(people[YIWU], YIWU, (777.7, 31.0), tmp_path, tag="b")
    # the first submission is returned, so the resubmission's time counts; still before the deadline
    assert (status()[YIWU]["state"], status()[YIWU]["on_time"]) == ("已提交", True)
    upload_approve(upload=again, user=people["province"])
    assert status()[YIWU]["state"] == "已审核"
    assert any("已审核通过" in s for s in inbox(people[YIWU]))
    counts = rounds.round_counts(rounds.round_status(rnd, city=JINHUA))
    # 9 counties: 义乌 approved, 兰溪 and 东阳 submitted, the other 6 not started
    assert (counts["已审核"], counts["已提交"], counts["未开始"]) == (1, 2, 6)


def test_mail_goes_out_when_the_review_commits(people, tmp_path, django_capture_on_commit_callbacks):
    opened()
    upload = submit(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        upload_return(upload=upload, user=people["province"], comment="请补充说明")
    assert [m.to for m in mail.outbox] == [[people[YIWU].email]]
    assert "请补充说明" in mail.outbox[0].body


def test_reminders_go_to_the_counties_that_have_not_submitted(people, tmp_path):
    opened(days=2)
    submit(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    assert rounds.send_reminders(days=1) == {}, "two days ahead is outside a one-day window"
    assert rounds.send_reminders(days=3) == {YEAR: 3}  # 兰溪 东阳 永康 have officials and owe; 义乌 sent
    assert inbox(people[YIWU]) == []
    assert "还有 2 天" in inbox(people[YONGKANG])[0]


def test_reminders_reach_each_official_once_a_day(people, tmp_path, django_capture_on_commit_callbacks):
    opened(days=2)
    submit(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert command("send_reminders", "--days", "3")[1] == f"{YEAR}: 已提醒 3 位用户\n"
        assert command("send_reminders", "--days", "3")[1] == f"{YEAR}: 已提醒 0 位用户\n", "cron ran twice"
    assert len(inbox(people[YONGKANG])) == 1 and len(mail.outbox) == 3  # 兰溪 东阳 永康, once each

    with django_capture_on_commit_callbacks(execute=True):
        assert rounds.send_reminders(days=3, today=today + datetime.timedelta(1)) == {YEAR: 3}
        assert rounds.send_reminders(days=3, today=today + datetime.timedelta(1)) == {YEAR: 0}
    deadline = (today + datetime.timedelta(2)).isoformat()
    assert inbox(people[YONGKANG]) == [
        f"{YEAR}年数据填报将于 {deadline} 截止（还有 1 天）",
        f"{YEAR}年数据填报将于 {deadline} 截止（还有 2 天）",
    ]
    assert len(mail.outbox) == 6 and inbox(people[YIWU]) == []


def test_the_city_checks_first_when_city_review_is_on(people, tmp_path, settings):
    settings.CITY_REVIEW = True
    city = make_user("jinhua", "city", [JINHUA])
    other_city = make_user("hangzhou", "city", ["330100"])
    opened()
    upload = submit(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    assert inbox(city) and not inbox(people["province"]), "the city reviews first, so it is told"
    with pytest.raises(ValueError, match="设区市"):
        upload_approve(upload=upload, user=people["province"])
    with pytest.raises(PermissionDenied):  # another city's staff
        upload_approve(upload=upload, user=other_city)
    upload_approve(upload=upload, user=city, comment="已核")
    assert status()[YIWU]["state"] == "市级已审"
    assert Observation.objects.filter(upload=upload, status="submitted").count() == 2, "not on the dashboard yet"
    assert any("市级已审" in s for s in inbox(people["province"]))
    upload_approve(upload=upload, user=people["province"])
    upload.refresh_from_db()
    assert (upload.status, upload.city_reviewed_by, upload.reviewed_by) == ("approved", city, people["province"])
    assert status()[YIWU]["state"] == "已审核"


def test_without_city_review_the_province_approves_directly(people, tmp_path):
    opened()
    upload = submit(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    upload_approve(upload=upload, user=people["province"])
    assert status()[YIWU]["state"] == "已审核"


def test_a_closed_round_locks_approved_values_and_a_later_upload_is_a_revision(people, tmp_path):
    opened()
    first = submit(people[YIWU], YIWU, (777.7, 33.3), tmp_path)
    upload_approve(upload=first, user=people["province"])
    rounds.round_close(year=YEAR)

    path = rollup(YEAR, [("义乌市", 800.0, 33.3)], name="direct.xlsx", tmp=tmp_path)
    report = import_file(data=path.read_bytes(), filename=path.name, user=system_user(), approve=True)
    assert not report["accepted"] and "已关闭" in report["errors"][0]["message"]
    assert Upload.objects.filter(original_name="direct.xlsx").count() == 0, "nothing written"

    revision = submit(people[YIWU], YIWU, (800.0, 33.3), tmp_path, tag="rev")
    changes = [w["message"] for w in revision.warnings if "修订" in w["message"]]
    assert changes == ["修订已关闭轮次的已审核数据：义乌市 2024年 规模以上工业增加值 777.7 → 800"]
    approved = Observation.objects.get(region__code=YIWU, indicator__code="value_added", year=YEAR, status="approved")
    assert approved.value == 777.7, "locked until the revision is approved"
    upload_approve(upload=revision, user=people["province2"])
    approved = Observation.objects.get(region__code=YIWU, indicator__code="value_added", year=YEAR, status="approved")
    assert approved.value == 800.0


def test_reopening_a_closed_round_needs_a_reason_kept_in_its_history(people):
    opened()
    rounds.round_close(year=YEAR)
    with pytest.raises(ValueError, match="原因"):
        rounds.round_open(year=YEAR, deadline=datetime.date(2025, 3, 31))
    rnd = rounds.round_open(year=YEAR, deadline=datetime.date(2025, 3, 31), reason="统计局更正口径")
    assert (rnd.state, rnd.closed_at, rnd.indicators.count()) == ("open", None, 2)
    assert rnd.history.first().history_change_reason == "统计局更正口径"
    with pytest.raises(ValueError, match="进行中"):
        rounds.round_open(year=YEAR, deadline=datetime.date(2025, 3, 31))


def test_a_round_defaults_to_the_template_indicators_and_refuses_unknown_codes():
    rnd = rounds.round_open(year=2023, deadline=datetime.date(2024, 3, 31))
    assert rnd.indicators.count() == rounds.template_indicators().count() > 50
    with pytest.raises(ValueError, match="no_such"):
        rounds.round_open(year=2022, deadline=datetime.date(2023, 3, 31), indicator_codes=["value_added", "no_such"])
    assert not ReportingRound.objects.filter(year=2022).exists()


# ---------------------------------------------------------------------------------------------
# The commands


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_the_round_commands_open_report_and_close(people, tmp_path):
    deadline = (timezone.localdate() + datetime.timedelta(5)).isoformat()
    code, out, _ = command(
        "open_round", "--year", str(YEAR), "--deadline", deadline, "--indicators", "value_added,employees"
    )
    assert code == 0 and "必报指标 2 项" in out
    submit(people[LANXI], LANXI, (300.0, None), tmp_path)

    code, out, _ = command("round_status", "--year", str(YEAR), "--format", "json")
    records = json.loads(out)
    assert len(records) == rounds.counties_of(YEAR).count() and list(records[0]) == rounds.FIELDS
    lanxi = next(r for r in records if r["region_code"] == LANXI)
    assert (lanxi["city"], lanxi["state"], lanxi["required"], lanxi["filled"], lanxi["on_time"]) == (
        "金华市",
        "已提交",
        2,
        1,
        True,
    )
    assert lanxi["submitted_at"].startswith(timezone.localdate().isoformat())

    code, out, _ = command("round_status", "--year", str(YEAR), "--format", "csv")
    rows = {r["region_code"]: r for r in csv.DictReader(io.StringIO(out))}
    assert (rows[LANXI]["state"], rows[LANXI]["on_time"], rows[YIWU]["on_time"]) == ("已提交", "True", "")

    code, out, _ = command("send_reminders", "--days", "7")
    assert code == 0 and f"{YEAR}: 已提醒 3 位用户" in out  # 义乌 东阳 永康 owe; 兰溪 sent
    assert command("close_round", "--year", str(YEAR))[0] == 0
    assert command("close_round", "--year", str(YEAR))[0] == 1, "already closed"
    assert command("open_round", "--year", str(YEAR), "--deadline", deadline)[0] == 1, "no reason"
    assert command("open_round", "--year", str(YEAR), "--deadline", deadline, "--reason", "补报")[0] == 0
    assert command("round_status", "--year", "1990", "--format", "json")[0] == 2
