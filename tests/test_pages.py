"""Page helpers: number formats, scope labels, excerpt highlighting (no database)."""

from targets.pages import fmt_number, fmt_rate, highlight_excerpts, scope_label

NAMES = {"330400": "嘉兴市", "mountain-26": "山区26县", "smart-pv": "智能光伏"}


def test_scope_labels_say_what_the_bureau_says():
    from django.utils import translation

    with translation.override("zh-hans"):
        _check_labels()


def _check_labels():
    assert str(scope_label("province", NAMES)) == "全省"
    assert scope_label("city:330400", NAMES) == "嘉兴市"
    assert scope_label("group:mountain-26", NAMES) == "山区26县"
    assert scope_label("cluster:smart-pv", NAMES) == "智能光伏"
    assert str(scope_label("each_county:output-tier-1", NAMES)) == "各县（output-tier-1）"
    assert scope_label("group:unknown", NAMES) == "group:unknown"


def test_numbers_carry_units_separators_and_sensible_decimals():
    assert fmt_number(12345.678, "亿元") == "12,346 亿元"
    assert fmt_number(3.456, "%") == "3.5%"
    assert fmt_number(8.0, "家") == "8 家"
    assert fmt_number(0.1224, "万元/亩") == "0.122 万元/亩"
    assert fmt_number(None, "亿元") == "—"
    assert fmt_rate(0.0345) == "+3.5%"


def test_overlapping_excerpts_merge_into_one_mark_with_both_anchors_and_the_rest_is_escaped():
    html = highlight_excerpts(
        "<b>年均增长9%以上，达到1500亿元</b>", [(1, "年均增长9%"), (2, "9%以上"), (3, "1500亿元")]
    )
    assert html.count("<mark") == 2
    assert 'id="t-1"' in html and 'id="t-2"' in html and 'id="t-3"' in html
    assert "&lt;b&gt;" in html and "<b>" not in html
