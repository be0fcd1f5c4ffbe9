"""The zj template filters: scope names and status labels as the bureau says them."""

import pytest
from django.utils import translation

from targets.templatetags.zj import gap, scope_label, status_label

pytestmark = pytest.mark.django_db


def test_scope_labels_say_what_the_bureau_says():
    with translation.override("zh-hans"):
        assert str(scope_label("province")) == "全省"
        assert scope_label("city:330400") == "嘉兴市"
        assert scope_label("group:mountain-26") == "山区26县"
        assert scope_label("cluster:smart-pv") == "智能光伏"
        assert scope_label("cluster:smart-pv:core") == "智能光伏核心区"
        assert scope_label("each_county:mountain-26") == "山区26县各县"
        assert scope_label("each_county") == "各县（市、区）"
        assert scope_label("group:unknown") == "group:unknown"
    with translation.override("en"):
        assert scope_label("province") == "Zhejiang province"


def test_a_status_is_shown_by_its_label_and_a_missing_one_as_insufficient_data():
    with translation.override("zh-hans"):
        assert status_label("needs_acceleration") == "需加快"
        assert status_label(None) == "数据不足"
    with translation.override("en"):
        assert status_label("deteriorating") == "Deteriorating"


def test_a_gap_beyond_the_target_says_by_how_much_it_is_exceeded():
    with translation.override("zh-hans"):
        assert gap(-12.5, "亿元") == "已超出 12.50 亿元"
        assert gap(3.0, "%") == "3.0个百分点"  # two percentages differ by points, not by a percentage
        assert gap(-0.04, "%") == "与目标持平"  # rounds to 0.0 at one decimal: never "已超出 0"
        assert gap(-0.4, "家") == "与目标持平"  # firms are whole: 0.4 rounds to 0


def test_a_gap_on_an_english_page_is_in_english_units():
    with translation.override("en"):
        assert gap(2.8, "%") == "2.8 percentage points"
        assert gap(12.5, "亿元") == "12.50 100 million yuan"
        assert gap(-3.0, "家") == "3 firms over target"


def test_the_years_a_status_reason_names_are_joined_in_the_pages_language():
    from targets.templatetags.zj import years

    with translation.override("zh-hans"):
        assert years((2023, 2025)) == "2023、2025"
    with translation.override("en"):
        assert years((2023, 2025)) == "2023, 2025"
