"""The upload flow through the web: form → preview → confirm → review, the lists and the template."""

import io
import os
from pathlib import Path
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from indicators.access import allowed_region_codes
from indicators.models import Observation, Upload
from indicators.services import import_file, system_user, upload_confirm, upload_create, upload_parse
from tests.test_access import JINGNING, YIWU, make_user, submitted
from tests.test_import_stats import rollup
from tests.test_ingest_readers import with_doctype_after_a_comment

pytestmark = pytest.mark.django_db

VALUE_ADDED = {"region__code": YIWU, "indicator__code": "value_added", "year": 2023}
EMPLOYEES = {"region__code": YIWU, "indicator__code": "employees", "year": 2023}


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"
    return settings.UPLOAD_ROOT


@pytest.fixture
def yiwu(client):
    user = make_user("yiwu", "county", [YIWU])
    client.force_login(user)
    return user


@pytest.fixture
def on_file(tmp_path):
    """Approved 2023 values for 义乌 before the upload: 规上工业增加值 400 亿元, 从业人员 20 万人."""
    path = rollup(2023, [("义乌市", 400.0, 20.0)], name="before.xlsx", tmp=tmp_path)
    assert import_file(data=path.read_bytes(), filename=path.name, user=system_user(), approve=True)["accepted"]


def form_file(tmp_path, rows, name="roll.xlsx", year=2023):
    path = rollup(year, rows, name="file.xlsx", tmp=tmp_path)
    return SimpleUploadedFile(name, path.read_bytes())


def post_upload(client, tmp_path, rows, name="roll.xlsx", region=YIWU, **extra):
    return client.post(
        reverse("indicators:upload"), {"file": form_file(tmp_path, rows, name), "region": region}, **extra
    )


def state():
    return Observation.objects.count(), Upload.objects.count()


def stored_files(root):
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


def test_the_form_offers_a_county_official_only_their_region_preselected(client, yiwu):
    response = client.get(reverse("indicators:upload"))
    assert response.status_code == 200
    field = response.context["form"].fields["region"]
    assert [r.code for r in field.queryset] == [YIWU]
    assert field.required and field.empty_label is None
    assert f'<option value="{YIWU}">' in response.content.decode()  # the only choice, so the one selected
    assert reverse("indicators:template") in response.content.decode()


def test_an_upload_is_previewed_confirmed_and_approved(
    client, yiwu, on_file, tmp_path, upload_root, django_capture_on_commit_callbacks
):
    before = state()
    with django_capture_on_commit_callbacks(execute=True):  # the file is written once the draft is committed
        response = post_upload(client, tmp_path, [("义乌市", 512.3, 30.1)])
    upload = Upload.objects.latest("pk")
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators:preview", args=[upload.pk])
    assert (upload.status, upload.uploaded_by, upload.original_name) == ("preview", yiwu, "roll.xlsx")
    assert Observation.objects.count() == before[0]  # a preview writes no observation
    assert (upload_root / upload.stored_name).read_bytes()[:2] == b"PK"

    page = client.get(response["Location"])
    html = page.content.decode()
    rows = {r["indicator"].code: r for r in page.context["page"]}
    # 400 → 512.3 is +28.1 %: under the 30 % threshold; 20 → 30.1 is +50.5 %: highlighted.
    assert (rows["value_added"]["old"], rows["value_added"]["value"].value) == (400.0, 512.3)
    assert round(rows["value_added"]["pct"], 1) == 28.1 and not rows["value_added"]["highlight"]
    assert round(rows["employees"]["pct"], 1) == 50.5 and rows["employees"]["highlight"]
    assert "+28.1%" in html and "+50.5%" in html and "亿元" in html and "万人" in html
    assert html.count("zj-highlight") == 1

    response = client.post(reverse("indicators:confirm", args=[upload.pk]))
    assert response["Location"] == reverse("indicators:detail", args=[upload.pk])
    upload.refresh_from_db()
    assert upload.status == "submitted"
    assert Observation.objects.get(**VALUE_ADDED, is_current=True).status == "submitted"
    detail = client.get(response["Location"])
    assert "更新 2 个" in detail.content.decode()  # the message with the counts
    assert [(r["old"], r["obs"].value) for r in detail.context["rows"]] == [(400.0, 512.3), (20.0, 30.1)]

    client.force_login(make_user("prov", "province"))
    client.post(reverse("indicators:approve", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.status == "approved"
    assert Observation.objects.get(**VALUE_ADDED, status="approved").value == 512.3
    assert Observation.objects.get(**VALUE_ADDED, version=1).status == "superseded"


def test_a_bad_file_shows_each_error_with_its_cell_and_writes_nothing(client, yiwu, tmp_path, upload_root):
    before = state()
    response = post_upload(client, tmp_path, [("义乌市", "约12.5", 30.1)])
    assert response.status_code == 200
    assert state() == before
    assert stored_files(upload_root) == []
    html = response.content.decode()
    assert "<td>2023年</td><td>B3</td>" in html
    assert "约12.5" in html and "不是数值" in html


def test_a_county_official_cannot_upload_another_countys_rows(client, yiwu, tmp_path):
    before = state()
    response = post_upload(client, tmp_path, [("景宁畲族自治县", 21.5, 1.2)])
    assert response.status_code == 200
    [issue] = response.context["issues"]
    assert (issue.sheet, issue.cell) == ("2023年", "A3") and "只能上传本地区" in issue.message
    assert state() == before
    # …nor choose the other county in the form.
    response = post_upload(client, tmp_path, [("景宁畲族自治县", 21.5, 1.2)], region=JINGNING)
    assert response.context["form"].errors["region"]
    assert state() == before


def test_the_region_check_holds_even_without_a_region_chosen(yiwu, tmp_path):
    data = rollup(2023, [("义乌市", 1, 1), ("景宁畲族自治县", 2, 2)], tmp=tmp_path).read_bytes()
    result = upload_parse(data=data, filename="roll.xlsx", allowed_regions=allowed_region_codes(yiwu))
    assert not result.accepted and result.values == []
    assert [(i.sheet, i.cell) for i in result.errors] == [("2023年", "B4")]  # its first value
    assert "331127" in result.errors[0].message


def test_a_rollup_with_several_counties_is_refused_for_a_county_official(client, yiwu, tmp_path):
    before = state()
    response = post_upload(client, tmp_path, [("义乌市", 512.3, 30.1), ("景宁畲族自治县", 21.5, 1.2)])
    assert response.context["issues"]
    assert state() == before


def test_province_staff_may_upload_a_rollup_of_every_county(client, tmp_path):
    client.force_login(make_user("prov", "province"))
    response = post_upload(client, tmp_path, [("义乌市", 512.3, 30.1), ("景宁畲族自治县", 21.5, 1.2)], region="")
    assert response.status_code == 302
    assert sorted(Upload.objects.get().regions.values_list("code", flat=True)) == [YIWU, JINGNING]


@pytest.mark.parametrize(
    ("sent", "kept", "shown"),
    [
        # Django keeps only the part after the last "/" of a multipart file name.
        ("<script>x</script>.xlsx", "script>.xlsx", "script&gt;.xlsx"),
        (
            "<img src=x onerror=alert(1)>.xlsx",
            "<img src=x onerror=alert(1)>.xlsx",
            "&lt;img src=x onerror=alert(1)&gt;",
        ),
    ],
)
def test_the_original_filename_is_shown_escaped(client, yiwu, tmp_path, sent, kept, shown):
    post_upload(client, tmp_path, [("义乌市", 512.3, 30.1)], name=sent)
    upload = Upload.objects.get()
    assert upload.original_name == kept
    client.post(reverse("indicators:confirm", args=[upload.pk]))  # the draft list, then the detail page
    for url in (reverse("indicators:uploads"), reverse("indicators:detail", args=[upload.pk])):
        html = client.get(url).content.decode()
        assert shown in html
        assert "<img src=x" not in html and "<script>x" not in html
    client.post(reverse("indicators:upload"), {"file": form_file(tmp_path, [("义乌市", 1, 1)], sent), "region": YIWU})
    draft = Upload.objects.get(status="preview")
    html = client.get(reverse("indicators:preview", args=[draft.pk])).content.decode()
    assert shown in html and "<img src=x" not in html


def test_the_progress_bar_form_gets_json_back(client, yiwu, tmp_path):
    xhr = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
    good = post_upload(client, tmp_path, [("义乌市", 512.3, 30.1)], **xhr).json()
    assert good == {"ok": True, "redirect": reverse("indicators:preview", args=[Upload.objects.get().pk])}
    bad = post_upload(client, tmp_path, [("义乌市", "约12.5", 30.1)], **xhr).json()
    assert bad["ok"] is False and "B3" in bad["html"] and "约12.5" in bad["html"]


def test_a_file_of_another_kind_is_refused_by_the_form(client, yiwu):
    response = client.post(
        reverse("indicators:upload"), {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4"), "region": YIWU}
    )
    assert response.context["form"].errors["file"]
    assert not Upload.objects.exists()


def test_cancel_deletes_the_draft_and_its_file(client, yiwu, tmp_path, upload_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(client, tmp_path, [("义乌市", 512.3, 30.1)])
    upload = Upload.objects.get()
    assert len(stored_files(upload_root)) == 1  # the original file; what it was parsed into is in the database
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion is committed
        response = client.post(reverse("indicators:cancel", args=[upload.pk]))
    assert response["Location"] == reverse("indicators:upload")
    assert not Upload.objects.exists()
    assert stored_files(upload_root) == []
    assert Observation.objects.count() == 0


def test_the_preview_shows_the_values_parsed_with_the_year_given_in_the_form(client, yiwu, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["地区", "规上工业增加值（亿元）"])  # no year anywhere in the sheet
    wb.active.append(["义乌市", 512.3])
    buf = io.BytesIO()
    wb.save(buf)
    file = SimpleUploadedFile("noyear.xlsx", buf.getvalue())
    response = client.post(reverse("indicators:upload"), {"file": file, "region": YIWU, "year": 2022})
    assert response.status_code == 302, response.context["issues"]
    options = Upload.objects.get().options
    assert (options["year"], options["region_code"], options["skip_unknown"]) == (2022, YIWU, True)
    page = client.get(response["Location"])
    assert [r["value"].year for r in page.context["page"]] == [2022]
    client.post(reverse("indicators:confirm", args=[Upload.objects.get().pk]))
    assert Observation.objects.get(region__code=YIWU, indicator__code="value_added").year == 2022


def test_preview_and_confirm_read_what_the_file_was_parsed_into_not_the_file(
    client, yiwu, tmp_path, upload_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(client, tmp_path, [("义乌市", 512.3, 30.1), ("合计", 512.3, 30.1)])
    draft = Upload.objects.get()
    assert draft.warnings == [{"sheet": "2023年", "cell": "A4", "message": '"合计" 行不是单个地区，已忽略'}]
    assert draft.rows == [
        # industry "" (no 行业: the whole economy), note "", quote "", not a back-series, no 数据标记, cluster ""
        [YIWU, "value_added", 2023, 512.3, "2023年", "B3", "512.3", "亿元", "", "", "", False, "", ""],
        [YIWU, "employees", 2023, 30.1, "2023年", "C3", "30.1", "万人", "", "", "", False, "", ""],
    ]
    (upload_root / draft.stored_name).unlink()  # a second parse would now fail
    html = client.get(reverse("indicators:preview", args=[draft.pk])).content.decode()
    assert "512.3" in html and "2023年!B3" in html and "30.1" in html and "2023年!C3" in html
    assert "<td>A4</td><td>&quot;合计&quot; 行不是单个地区，已忽略</td>" in html
    client.post(reverse("indicators:confirm", args=[draft.pk]))
    assert sorted(Observation.objects.filter(upload=draft).values_list("cell", "value", "raw")) == [
        ("B3", 512.3, "512.3"),
        ("C3", 30.1, "30.1"),
    ]


def _yiwu_draft(yiwu, tmp_path):
    """A previewed 2023 roll-up of 义乌 (512.3 and 30.1), uploaded by its official."""
    data = rollup(2023, [("义乌市", 512.3, 30.1)], tmp=tmp_path).read_bytes()
    result = upload_parse(data=data, filename="roll.xlsx", allowed_regions=allowed_region_codes(yiwu))
    draft = upload_create(user=yiwu, filename="roll.xlsx", data=data, result=result)
    return draft


def test_confirm_checks_the_uploaders_regions_again_and_writes_nothing_when_they_changed(yiwu, tmp_path):
    draft = _yiwu_draft(yiwu, tmp_path)
    with pytest.raises(ValueError, match=f"无权上传地区 {YIWU} 的数据"):
        upload_confirm(upload=draft, allowed_regions={JINGNING})  # since the preview, 义乌 was taken from them
    draft.refresh_from_db()
    assert draft.status == "preview" and not Observation.objects.exists()
    upload_confirm(upload=draft, allowed_regions={YIWU})
    assert Observation.objects.filter(upload=draft).count() == 2


def test_a_second_confirm_of_the_same_draft_is_refused_and_writes_nothing_more(yiwu, tmp_path):
    """A double click or a second tab: the draft is submitted once; the second confirm gets a message."""
    draft = _yiwu_draft(yiwu, tmp_path)
    upload_confirm(upload=draft, allowed_regions={YIWU})
    with pytest.raises(ValueError, match="此上传已提交或已取消"):
        upload_confirm(upload=draft, allowed_regions={YIWU})
    assert Observation.objects.filter(upload=draft).count() == 2


def test_confirm_refuses_a_draft_whose_indicator_left_the_catalog_meanwhile(yiwu, tmp_path):
    draft = _yiwu_draft(yiwu, tmp_path)
    draft.rows = [[*row[:1], "no_such_indicator", *row[2:]] for row in draft.rows]
    draft.save(update_fields=["rows"])
    with pytest.raises(ValueError, match="no_such_indicator"):
        upload_confirm(upload=draft, allowed_regions={YIWU})
    assert not Observation.objects.exists()


def test_a_workbook_with_a_doctype_is_refused_and_nothing_is_kept(client, yiwu, tmp_path, upload_root):
    data = with_doctype_after_a_comment(
        form_file(tmp_path, [("义乌市", 512.3, 30.1)]).read(), "xl/worksheets/sheet1.xml"
    )
    response = client.post(reverse("indicators:upload"), {"file": SimpleUploadedFile("d.xlsx", data), "region": YIWU})
    assert [i.message for i in response.context["issues"]] == ["文件包含不允许的 XML 声明（DOCTYPE），已拒绝"]
    assert state() == (0, 0) and stored_files(upload_root) == []


def test_a_return_needs_a_comment(client, tmp_path):
    upload = submitted(make_user("yiwu", "county", [YIWU]), tmp_path)
    client.force_login(make_user("prov", "province"))
    response = client.post(reverse("indicators:return", args=[upload.pk]), {"comment": "  "}, follow=True)
    assert "必须填写意见" in response.content.decode()
    upload.refresh_from_db()
    assert upload.status == "submitted"


def test_the_queue_puts_submitted_uploads_first(client, tmp_path, django_assert_max_num_queries):
    yiwu = make_user("yiwu", "county", [YIWU])
    first = submitted(yiwu, tmp_path)
    client.force_login(make_user("prov", "province"))
    client.post(reverse("indicators:approve", args=[first.pk]))
    second = submitted(yiwu, tmp_path, rows=[("义乌市", 600, 31)])
    other = submitted(system_user(), tmp_path, rows=[("景宁畲族自治县", 21.5, 1.2)])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("indicators:uploads")).context["page"]
    assert [u.pk for u in page] == [other.pk, second.pk, first.pk]
    approved = client.get(reverse("indicators:uploads"), {"status": "approved"}).context["page"]
    assert [u.pk for u in approved] == [first.pk]


def test_a_county_official_lists_only_their_countys_uploads(client, tmp_path, django_assert_max_num_queries):
    yiwu = make_user("yiwu", "county", [YIWU])
    own = submitted(yiwu, tmp_path)
    submitted(system_user(), tmp_path, rows=[("景宁畲族自治县", 21.5, 1.2)])
    submitted(system_user(), tmp_path, rows=[("义乌市", 500.0, 30.0), ("景宁畲族自治县", 20.0, 1.0)])
    client.force_login(yiwu)
    with django_assert_max_num_queries(12):
        queue = client.get(reverse("indicators:uploads")).context["page"]
    with django_assert_max_num_queries(12):
        history = client.get(reverse("indicators:county_uploads", args=[YIWU])).context["page"]
    assert [u.pk for u in queue] == [u.pk for u in history] == [own.pk]


def test_an_unknown_county_has_no_upload_history(client):
    client.force_login(make_user("prov", "province"))
    assert client.get(reverse("indicators:county_uploads", args=["999999"])).status_code == 404


def test_the_template_is_the_regions_xlsx_with_last_years_approved_values(client, yiwu, on_file):
    response = client.get(reverse("indicators:template"), {"region": YIWU, "year": 2024})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="template_330782_2024.xlsx"')
    assert disposition.endswith("filename*=UTF-8''" + quote("模板_义乌市_2024.xlsx"))
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["填报"]
    assert "义乌市" in ws["A1"].value and "2024年" in ws["A1"].value
    previous = {row[2]: row[8] for row in ws.iter_rows(min_row=4, values_only=True)}  # I: after 备注, 数据标记
    assert previous["规模以上工业增加值"] == 400.0
    assert previous["规模以上工业从业人员平均人数"] == 20.0
    assert previous["规模以上工业总产值"] is None  # nothing approved for 2023
    assert "规模以上工业全员劳动生产率" not in previous  # derived: computed, not filled in
    assert "信息经济全国或国际中心" not in previous  # reported by the province, not by counties


def test_the_template_of_another_county_is_not_found(client, yiwu):
    assert client.get(reverse("indicators:template"), {"region": JINGNING, "year": 2024}).status_code == 404
    assert client.get(reverse("indicators:template"), {"region": "999999", "year": 2024}).status_code == 404
    assert client.get(reverse("indicators:template"), {"region": YIWU, "year": 1800}).status_code == 404


def test_a_file_whose_parse_dies_is_answered_with_a_message_and_nothing_is_kept(
    client, yiwu, tmp_path, upload_root, monkeypatch
):
    from indicators import services

    monkeypatch.setattr(services, "parse_upload", lambda *args, **kwargs: os.abort())  # in the bounded child
    response = post_upload(client, tmp_path, [("义乌市", 512.3, 30.1)])
    assert response.status_code == 200
    assert [i.message for i in response.context["issues"]] == [
        "文件无法安全读取（解析进程异常退出），请检查文件是否损坏或过大"
    ]
    assert state() == (0, 0) and stored_files(upload_root) == []


def test_a_draft_with_no_change_cannot_be_submitted(client, yiwu, on_file, tmp_path):
    post_upload(client, tmp_path, [("义乌市", 400.0, 20.0)])  # what is on file already
    draft = Upload.objects.get(status="preview")
    before = state()
    response = client.post(reverse("indicators:confirm", args=[draft.pk]), follow=True)
    assert "所有数值与现有数据相同，无需提交" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "preview" and state() == before


def test_the_original_file_is_written_only_once_the_draft_is_committed(
    yiwu, tmp_path, upload_root, django_capture_on_commit_callbacks
):
    data = rollup(2023, [("义乌市", 512.3, 30.1)], tmp=tmp_path).read_bytes()
    result = upload_parse(data=data, filename="roll.xlsx", allowed_regions={YIWU})
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            upload_create(user=yiwu, filename="roll.xlsx", data=data, result=result)
            assert stored_files(upload_root) == []  # not before the commit…
            raise RuntimeError("the request dies before its transaction commits")
    assert stored_files(upload_root) == [] and not Upload.objects.exists()  # …and not after a rollback
    with django_capture_on_commit_callbacks(execute=True):
        draft = upload_create(user=yiwu, filename="roll.xlsx", data=data, result=result)
    assert stored_files(upload_root) == [upload_root / draft.stored_name]
    assert (upload_root / draft.stored_name).read_bytes() == data


def test_the_largest_and_smallest_values_a_file_may_hold_still_render_the_county_page(client, yiwu, tmp_path):
    # 1e15 and 1e-15 are the bounds parse_number accepts (beyond them a value is refused, see
    # test_ingest_validate): stored and approved, the county page must show them, not fail
    path = rollup(2023, [("义乌市", 1e15, 1e-15)], tmp=tmp_path)
    assert import_file(data=path.read_bytes(), filename=path.name, user=system_user(), approve=True)["accepted"]
    assert client.get(reverse("targets:county", args=[YIWU])).status_code == 200


# -- bulletins, unit slips, notes (issue 14 items 5–7) ---------------------------------------------


def test_a_pasted_bulletin_is_previewed_with_its_sentence_and_stored_only_once_confirmed(client, yiwu):
    sentence = "全市规模以上工业增加值265.3亿元，比上年增长6.8%"
    before = state()
    response = client.post(reverse("indicators:upload"), {"text": sentence + "。", "region": YIWU, "year": 2023})
    draft = Upload.objects.get()
    assert response.status_code == 302 and draft.shape == "bulletin"
    assert Observation.objects.count() == before[0]  # nothing stored before the confirm
    html = client.get(reverse("indicators:preview", args=[draft.pk])).content.decode()
    assert html.count(f"原文：“{sentence}”") == 2  # under each of its two values
    client.post(reverse("indicators:confirm", args=[draft.pk]))
    assert Observation.objects.get(**VALUE_ADDED).value == 265.3


def test_pasted_text_needs_a_year_and_a_file_or_text_but_not_both(client, yiwu, tmp_path):
    response = client.post(reverse("indicators:upload"), {"text": "规上工业增加值1亿元", "region": YIWU})
    assert "粘贴统计公报文字时须选择地区和年份" in response.content.decode()
    response = client.post(reverse("indicators:upload"), {"region": YIWU})
    assert "请选择一个文件，或粘贴统计公报文字（二者选一）" in response.content.decode()
    assert Upload.objects.count() == 0


def test_a_likely_unit_slip_must_be_ticked_before_the_draft_is_submitted(client, yiwu, on_file, tmp_path):
    # 规上工业增加值 400 on file; the file says 40000 (100×) and 从业人员 21 (a normal change)
    post_upload(client, tmp_path, [("义乌市", 40000.0, 21.0)])
    draft = Upload.objects.get(status=Upload.Status.PREVIEW)
    assert [o["row"] for o in draft.outliers] == [0]
    html = client.get(reverse("indicators:preview", args=[draft.pk])).content.decode()
    assert 'name="outlier" value="0" form="zj-confirm"' in html
    before = state()
    response = client.post(reverse("indicators:confirm", args=[draft.pk]), follow=True)
    assert "1 个疑似计量单位错误的数值未确认" in response.content.decode()
    assert state() == before
    client.post(reverse("indicators:confirm", args=[draft.pk]), {"outlier": ["0"]})
    assert Observation.objects.get(**VALUE_ADDED, is_current=True).value == 40000.0


def test_the_preview_counts_every_value_and_pages_the_unit_slips_first(client, yiwu, on_file, tmp_path, monkeypatch):
    from indicators import views

    monkeypatch.setattr(views, "PREVIEW_PAGE", 1)
    # on file: 规上工业增加值 400, 从业人员 20; the file: 600 (+50 %) and 2000 (100×, row 1: a likely unit slip)
    post_upload(client, tmp_path, [("义乌市", 600.0, 2000.0)])
    draft = Upload.objects.get(status=Upload.Status.PREVIEW)
    url = reverse("indicators:preview", args=[draft.pk])
    first, second = client.get(url).content.decode(), client.get(url + "?page=2").content.decode()
    assert "新增 0 个、更改 2 个、与现有数据相同 0 个数值" in first and "2 个数值变化超过阈值" in first
    assert 'name="outlier" value="1"' in first and "2000" in first and ">600<" not in first  # the slip first
    assert ">600<" in second and "第 2 / 2 页" in second


def test_a_note_is_shown_in_the_preview_and_the_upload_detail(client, yiwu, tmp_path):
    from tests.ingest_catalog import LONG_HEADER, xlsx

    data = xlsx(
        [LONG_HEADER, [YIWU, "义乌市", "规模以上工业增加值", "亿元", 2023, 512.3, "快报数，待年报核定"]], "填报"
    )
    client.post(reverse("indicators:upload"), {"file": SimpleUploadedFile("t.xlsx", data), "region": YIWU})
    draft = Upload.objects.get()
    assert "快报数，待年报核定" in client.get(reverse("indicators:preview", args=[draft.pk])).content.decode()
    client.post(reverse("indicators:confirm", args=[draft.pk]))
    assert Observation.objects.get(**VALUE_ADDED).note == "快报数，待年报核定"
    assert "快报数，待年报核定" in client.get(reverse("indicators:detail", args=[draft.pk])).content.decode()


def test_a_word_bulletin_goes_through_the_form_with_its_region_and_year(client, yiwu):
    from tests.test_ingest_bulletin import _docx

    data = _docx(["规模以上工业增加值31.25亿元，比上年增长8.1%。"])
    file = SimpleUploadedFile("公报.docx", data)
    response = client.post(reverse("indicators:upload"), {"file": file, "region": YIWU, "year": 2023})
    assert response.status_code == 302
    draft = Upload.objects.get()
    assert (draft.shape, draft.value_count) == ("bulletin", 2)
    assert [row[1:4] for row in draft.rows] == [["value_added", 2023, 31.25], ["value_added_growth", 2023, 8.1]]


def test_a_flag_in_the_template_is_previewed_stored_and_shown_on_the_upload(client, yiwu):
    template = client.get(reverse("indicators:template"), {"region": YIWU, "year": 2024}).content
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb["填报"]
    ws["F4"], ws["H4"] = 777.7, "估算"  # the first row is 规模以上工业增加值
    out = io.BytesIO()
    wb.save(out)
    response = client.post(
        reverse("indicators:upload"), {"file": SimpleUploadedFile("t.xlsx", out.getvalue()), "region": YIWU}
    )
    preview = client.get(response["Location"]).content.decode()
    assert "估算</span>" in preview
    confirmed = client.post(response["Location"].replace("preview/", "confirm/"), follow=True)
    assert "已提交审核" in confirmed.content.decode(), confirmed.content.decode()[-3000:]
    row = Observation.objects.get(region__code=YIWU, year=2024, flag="estimated")
    assert (row.value, row.indicator.name) == (777.7, ws["C4"].value)
    assert "估算</span>" in client.get(reverse("indicators:detail", args=[row.upload_id])).content.decode()
