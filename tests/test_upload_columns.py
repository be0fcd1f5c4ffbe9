"""The preview's column readings (issue #14 items 2–3): every column with the indicator it was read as, a
choice for the unknown ones (an indicator, or 忽略), and a choice remembered as an alias with its history."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import IndicatorAlias, Upload
from tests.test_access import YIWU, make_user
from tests.test_published import rollup_file

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def upload_root(settings, tmp_path):
    settings.UPLOAD_ROOT = tmp_path / "uploads"


@pytest.fixture
def draft(client, tmp_path, django_capture_on_commit_callbacks):
    """义乌's 2023 file with a column the catalog does not know (户籍人口), uploaded to a preview."""
    client.force_login(make_user("yiwu", "county", [YIWU]))
    path = rollup_file(tmp_path, 2023, [("义乌市", 512.3, 85.1)])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("indicators:upload"), {"file": SimpleUploadedFile("y.xlsx", path.read_bytes()), "region": YIWU}
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upload.objects.get()


def test_the_preview_lists_each_column_with_its_reading(client, draft):
    page = client.get(reverse("indicators:preview", args=[draft.pk])).content.decode()
    columns = {c["header"]: (c["how"], c["indicator_code"]) for c in draft.options["columns"]}
    assert columns == {"规上工业增加值": ("matched", "value_added"), "户籍人口": ("skipped", "")}
    assert "各列的读取" in page and "户籍人口" in page and "不在指标目录中，未导入" in page
    assert [row[1] for row in draft.rows] == ["value_added"]


def test_a_chosen_indicator_rereads_the_column_and_can_be_remembered_as_an_alias(client, draft):
    response = client.post(
        reverse("indicators:columns", args=[draft.pk]), {"col1": "resident_population", "remember1": "on"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert sorted((row[1], row[3]) for row in draft.rows) == [("resident_population", 85.1), ("value_added", 512.3)]
    assert {c["header"]: c["how"] for c in draft.options["columns"]}["户籍人口"] == "mapped"
    alias = IndicatorAlias.objects.get(alias="户籍人口")
    assert alias.indicator.code == "resident_population"
    assert alias.history.count() == 1  # kept in history: who added it and when
    # 忽略 skips it again
    client.post(reverse("indicators:columns", args=[draft.pk]), {"col1": "__skip__"})
    draft.refresh_from_db()
    assert [row[1] for row in draft.rows] == ["value_added"]


def test_a_header_repeated_on_every_sheet_is_one_choice_that_applies_to_all_its_columns():
    from indicators.forms import SKIP, ColumnsForm

    # a province roll-up repeats its headers on each year's sheet: 户籍人口 on 2022 and 2023, 工业增加值 once
    columns = [
        {"header": "户籍人口", "sheet": "2022", "cell": "C2", "how": "unknown"},
        {"header": "工业增加值", "sheet": "2022", "cell": "B2", "how": "matched"},
        {"header": "户籍人口", "sheet": "2023", "cell": "C2", "how": "unknown"},
    ]
    form = ColumnsForm({"col0": SKIP}, columns=columns)
    assert [(c["header"], c["sheet"], c["more"]) for c in form.columns] == [
        ("户籍人口", "2022", 1),
        ("工业增加值", "2022", 0),
    ]
    assert form.is_valid()
    assert form.choices() == ({"户籍人口": ""}, [])  # one choice: every 户籍人口 column is skipped
    # one choice field per header, not per column (three columns, two headers)
    assert sorted(name for name in form.fields if name.startswith("col")) == ["col0", "col1"]


def test_each_choice_lists_every_indicator_and_keeps_the_one_chosen_selected():
    import re

    from indicators.forms import SKIP, ColumnsForm
    from indicators.models import Indicator

    columns = [{"header": "户籍人口", "sheet": "2024", "cell": "C2", "how": "unknown"},
               {"header": "工业增加值", "sheet": "2024", "cell": "B2", "how": "matched"}]  # fmt: skip
    form = ColumnsForm({"col0": SKIP, "col1": "value_added"}, columns=columns)
    skip_html, value_added_html = (str(form[f"col{i}"]) for i in range(2))
    options = re.findall(r'<option value="([^"]*)"', value_added_html)
    assert options == ["", SKIP, *Indicator.objects.order_by("order", "code").values_list("code", flat=True)]
    assert re.findall(r'value="([^"]*)" selected', value_added_html) == ["value_added"]
    assert re.findall(r'value="([^"]*)" selected', skip_html) == [SKIP]
    assert 'id="id_col1"' in value_added_html and 'name="col1"' in value_added_html
