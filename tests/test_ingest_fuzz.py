"""Fuzzing parse_upload: whatever comes in, it returns a ParseResult and never raises."""

from __future__ import annotations

import datetime as dt
import io
import math
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.ingest import ParseResult, parse_upload
from tests.ingest_catalog import LONG_HEADER, make_catalog, xlsx

CATALOG = make_catalog()
DATA = Path(__file__).resolve().parent / "data"
GOOD = {p.name: p.read_bytes() for p in sorted(DATA.glob("good_*"))}
FUZZ = settings(
    max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
FILENAMES = st.sampled_from(["upload.xlsx", "upload.xls", "upload.xlsm", "upload.csv", "upload.txt", "upload", ""])


def check(result) -> None:
    assert isinstance(result, ParseResult)
    assert result.accepted == (not result.errors and bool(result.values))
    if result.errors:
        assert result.values == []
    for v in result.values:
        assert math.isfinite(v.value)
        assert 1949 <= v.year <= CATALOG.current_year + 1
    for issue in result.errors + result.warnings:
        assert isinstance(str(issue), str) and issue.message
        # the catch-all in parse_upload is a last resort: reaching it means a bug, even though nothing raised
        assert "内部错误" not in issue.message


@FUZZ
@given(data=st.binary(min_size=0, max_size=4096), filename=FILENAMES)
def test_random_bytes_never_raise_and_are_refused(data, filename):
    r = parse_upload(data, filename, CATALOG)
    check(r)
    assert r.errors


@FUZZ
@given(prefix=st.sampled_from([b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF", b"\xef\xbb\xbf"]),
       rest=st.binary(max_size=2048), filename=FILENAMES)  # fmt: skip
def test_random_bytes_behind_a_real_magic_number(prefix, rest, filename):
    check(parse_upload(prefix + rest, filename, CATALOG))


@FUZZ
@given(name=st.sampled_from(sorted(GOOD)), fraction=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_files_never_raise(name, fraction):
    data = GOOD[name]
    cut = data[: int(len(data) * fraction)]
    r = parse_upload(cut, name, CATALOG)
    check(r)
    if name.endswith((".xlsx", ".xlsm", ".xls")):
        assert r.errors  # a truncated container is always refused


@FUZZ
@given(name=st.sampled_from(sorted(GOOD)), flips=st.lists(st.tuples(st.floats(0, 0.999), st.integers(0, 255)),
                                                           min_size=1, max_size=8))  # fmt: skip
def test_corrupted_bytes_never_raise(name, flips):
    data = bytearray(GOOD[name])
    for where, byte in flips:
        data[int(len(data) * where)] = byte
    check(parse_upload(bytes(data), name, CATALOG))


@FUZZ
@given(name=st.sampled_from([n for n in sorted(GOOD) if n.endswith((".xlsx", ".xlsm"))]), data=st.data())
def test_zip_entries_truncated_inside_the_container(name, data):
    """Rebuild the zip with one member truncated: the central directory is fine, the XML is not."""
    src = zipfile.ZipFile(io.BytesIO(GOOD[name]))
    victim = data.draw(st.sampled_from(src.namelist()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == victim:
                content = content[: data.draw(st.integers(0, max(len(content) - 1, 0)))]
            zf.writestr(info.filename, content)
    check(parse_upload(out.getvalue(), name, CATALOG))


CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["—", "-", "…", "/", "无", "", "约12.5", "12,345.6", "12.5%", "亿元", "万元", "%", "2023年", "全省",
                     "义乌市", "景宁", "绍兴县", "柯桥区", "规上工业增加值", "主营业务收入", "本年", "上年", "比上年增长(%)",
                     "地区", "指标", "数值", "计量单位", "年份", "地区代码", "注：", "合计", "=SUM(A1:A2)", "330782"]),
    st.text(max_size=12),
)  # fmt: skip


def _clean(value):
    # openpyxl refuses control characters in strings; everything else goes in as is
    if isinstance(value, str):
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")
    return value


@FUZZ
@given(rows=st.lists(st.lists(CELL, max_size=8), max_size=12), title=st.sampled_from(["Sheet1", "2023年", "义乌市", "说明"]),
       year=st.sampled_from([None, 2023]), region=st.sampled_from([None, "331127"]))  # fmt: skip
def test_random_cells_never_raise(rows, title, year, region):
    data = xlsx([[_clean(v) for v in row] for row in rows], title)
    check(parse_upload(data, "random.xlsx", CATALOG, year=year, region_code=region))


@FUZZ
@given(values=st.lists(CELL, min_size=1, max_size=6), units=st.lists(CELL, min_size=1, max_size=6))
def test_random_cells_in_a_recognised_layout(values, units):
    rows = [LONG_HEADER]
    names = [
        "规上工业增加值",
        "新增工业机器人",
        "高新技术产业增加值占比",
        "规上工业增加值增速",
        "常住人口",
        "工业用地面积",
    ]
    for i, value in enumerate(values):
        rows.append(
            ["331127", "景宁畲族自治县", names[i % len(names)], _clean(units[i % len(units)]), 2023, _clean(value)]
        )
    r = parse_upload(xlsx(rows, "填报"), "t.xlsx", CATALOG, region_code="331127")
    check(r)
    assert r.shape == "template"


@FUZZ
@given(text=st.text(max_size=600), encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_random_text_as_csv(text, encoding):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    check(parse_upload(data, "random.csv", CATALOG))


@FUZZ
@given(rows=st.lists(st.lists(st.sampled_from(["义乌市", "规上工业增加值", "亿元", "2023", "12.5", "—", "", "地区", "指标",
                                                 "数值", "年份", "约1", '"', ",", "\n"]), max_size=7), max_size=10))  # fmt: skip
def test_random_csv_tables(rows):
    text = "\r\n".join(",".join(row) for row in rows)
    check(parse_upload(text.encode("utf-8"), "t.csv", CATALOG))


# -- the scan places cells where calamine does ------------------------------------------------------
# (the safety check of the bounding box rests on it: see test_ingest_readers for the named tricks)

_REF = st.tuples(st.sampled_from(["a", "B", "c", "D", "xfd"]), st.integers(1, 40)).map(lambda t: f"{t[0]}{t[1]}")
_VALUE = st.sampled_from(["<v>1</v>", "<is><t>x</t></is>", "", '<v>2</v><x:v xmlns:x="urn:x">3</x:v>'])


def _r(ref) -> str:
    return "" if ref is None else f' r="{ref}"'


_CELL = st.tuples(st.one_of(st.none(), _REF), _VALUE).map(lambda t: f"<c{_r(t[0])}>{t[1]}</c>")
_ROW = st.tuples(st.one_of(st.none(), st.integers(1, 40)), st.lists(_CELL, max_size=4)).map(
    lambda t: f"<row{_r(t[0])}>{''.join(t[1])}</row>"
)


@FUZZ
@given(
    parts=st.lists(st.one_of(_ROW, _CELL), min_size=1, max_size=8),
    prolog=st.sampled_from(["", '<sheetPr><row r="30"/></sheetPr>']),
)
def test_the_scan_and_calamine_agree_on_where_cells_are(parts, prolog):
    import python_calamine

    from indicators.ingest import readers
    from tests.test_ingest_readers import NS, workbook, zipped

    xml = f"<worksheet {NS}>{prolog}<sheetData>{''.join(parts)}</sheetData></worksheet>".encode()
    data = zipped(workbook('<sheet name="填报" sheetId="1" r:id="rId1"/>') | {"xl/worksheets/sheet1.xml": xml})
    zf = zipfile.ZipFile(io.BytesIO(data))
    try:
        scan = readers._scan_xlsx(zf, {readers._fold(n): n for n in zf.namelist()})[0]["填报"]
    except readers._Refused:  # a reference Excel cannot hold (or calamine misplaces): refused, not compared
        return
    loaded = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("填报")
    if scan.bbox is None:
        assert loaded.start is None
        return
    top, bottom, left, right = scan.bbox
    assert (top, left, bottom - top + 1, right - left + 1) == (*loaded.start, loaded.height, loaded.width)
