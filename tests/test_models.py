"""targets/models.py: the one status vocabulary the engine, pages and methodology share."""

import re
from pathlib import Path

from django.utils import translation

from targets import gaps
from targets.models import GapStatus

METHODOLOGY = Path(__file__).resolve().parent.parent / "docs" / "methodology.md"


def test_the_statuses_are_the_codes_the_gap_engine_gives_in_its_order():
    assert list(GapStatus.values) == list(gaps.STATUSES)


def test_the_methodology_lists_every_status_with_the_label_the_pages_show():
    table = dict(re.findall(r"^\| `(\w+)` \| .* \| (\S+) \|$", METHODOLOGY.read_text(encoding="utf-8"), re.M))
    with translation.override("zh-hans"):
        assert table == {status.value: str(status.label) for status in GapStatus}


def test_the_labels_have_english_translations():
    with translation.override("en"):
        assert [str(s.label) for s in GapStatus] == [
            "Achieved", "On track", "Needs acceleration", "Limited progress", "Deteriorating", "Insufficient data"
        ]  # fmt: skip


def test_an_uploads_shape_is_said_in_words_never_the_parsers_code_names():
    from django.utils import translation

    from indicators.models import Upload

    with translation.override("zh-hans"):  # an earlier test's request may have left English active
        assert Upload(shape="template+rollup").shape_display() == "填报模板、多地区汇总表"
        assert Upload(shape="").shape_display() == ""
    with translation.override("en"):
        assert Upload(shape="rollup").shape_display() == "Multi-region roll-up table"
