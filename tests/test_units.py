"""Unit conversion (indicators/ingest/units.py); expected numbers worked out by hand."""

from fractions import Fraction

import pytest

from indicators.ingest.units import UnitError, compatible_units, convert, convert_exact, normalize_unit, parse_unit


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (12345, "万元", "亿元", 1.2345),  # 12345 × 10^4 ÷ 10^8
        (1.2345, "亿元", "万元", 12345),
        (98765432, "万元", "亿元", 9876.5432),
        (5, "万亿元", "亿元", 50000),  # 1 万亿 = 10^4 亿
        (250000, "千元", "亿元", 2.5),  # 250000 × 10^3 ÷ 10^8
        (300000000, "元", "亿元", 3),
        (15234, "人", "万人", 1.5234),
        (1.5, "万人", "人", 15000),
        (56789, "吨", "万吨", 5.6789),
        (56789, "吨标准煤", "万吨标准煤", 5.6789),
        (56789, "吨标煤", "万吨标准煤", 5.6789),
        (2, "万吨标煤", "吨标准煤", 20000),
        (120, "公顷", "亩", 1800),  # 1 公顷 = 15 亩
        (1800, "亩", "公顷", 120),
        (10000, "平方米", "亩", 15),  # 1 亩 = 10000/15 m²
        (1, "平方公里", "亩", 1500),
        (3, "万亩", "亩", 30000),
        (12.5, "%", "%", 12.5),
        (1.5, "百分点", "%", 1.5),
        (35, "台", "台", 35),
        (2, "万台", "台", 20000),
        (1200, "家", "家", 1200),
        (7, "项", "项", 7),
        (3, "万元/人", "元/人", 30000),
        (2.5, "吨标准煤/万元", "吨标准煤/亿元", 25000),
    ],
)
def test_it_converts_by_hand_worked_examples(value, src, dst, expected):
    assert convert(value, src, dst) == expected


def test_it_is_exact_where_float_arithmetic_is_not():
    # 12345 * 0.0001 == 1.2345000000000002 in floats; the exact route gives the float nearest 1.2345
    assert convert(12345, "万元", "亿元") == 1.2345
    assert convert_exact(12345, "万元", "亿元")[0] == Fraction(12345, 10000)
    assert convert(0.1, "亿元", "万元") == 1000
    assert convert("12.3", "亿元", "万元") == 123000


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("（万元）", "万元"),
        ("(亿元)", "亿元"),
        ("单位：亿元", "亿元"),
        ("计量单位:万人", "万人"),
        ("％", "%"),
        (" 万 元 ", "万元"),
        ("吨标煤", "吨标准煤"),
        ("万tce", "万吨标准煤"),
        ("个百分点", "百分点"),
        ("m²", "平方米"),
    ],
)
def test_it_normalises_how_units_are_written(written, canonical):
    assert normalize_unit(written) == canonical
    assert parse_unit(written) is not None


def test_it_refuses_units_it_does_not_know():
    assert parse_unit("万美元") is None
    with pytest.raises(UnitError, match='计量单位 "万美元" 无法识别'):
        convert(1, "万美元", "亿元")


@pytest.mark.parametrize(("src", "dst"), [("万人", "亿元"), ("亩", "万吨"), ("%", "亿元"), ("万元/人", "万元/亩")])
def test_it_refuses_to_convert_across_families(src, dst):
    with pytest.raises(UnitError, match=f'计量单位 "{src}" 无法换算为 "{dst}"'):
        convert(1, src, dst)


def test_count_words_convert_one_to_one_with_a_note():
    value, note = convert_exact(12, "套", "台")
    assert value == 12
    assert note == '计量单位 "套" 与标准单位 "台" 的量词不同，按相同计数换算'
    assert convert_exact(12, "台", "台")[1] is None


def test_per_mille_is_a_tenth_of_a_percent():
    assert convert(5, "‰", "%") == 0.5


def test_it_lists_the_units_a_template_row_may_choose():
    assert compatible_units("亿元")[0] == "亿元"
    assert set(compatible_units("亿元")) >= {"元", "万元", "亿元", "千元"}
    assert compatible_units("亩")[:1] == ["亩"] and "公顷" in compatible_units("亩")
    assert compatible_units("台") == ["台", "千台", "万台", "亿台"]
    assert compatible_units("万元/人") == ["万元/人"]
