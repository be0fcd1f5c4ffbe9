"""Writing records as JSON or CSV for the export commands, and tables as CSV or XLSX for the pages' downloads."""

import csv
import io
import json

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# Spreadsheet programs run a cell that starts with one of these as a formula (OWASP's CSV-injection list,
# plus the full-width ＝ that Excel on Chinese Windows also takes for "="); spaces in front do not stop them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def neutralise(value):
    """Make a text cell safe to open in a spreadsheet: '=1+1' and ' =1+1' become "'=1+1" / "' =1+1";
    numbers pass unchanged."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_records(stream, records, fields, fmt):
    """Write dict records to a text stream; JSON keeps types, CSV neutralises formula-like text."""
    if fmt == "json":
        stream.write(json.dumps([{f: r.get(f) for f in fields} for r in records], ensure_ascii=False, indent=1))
        stream.write("\n")
        return
    # Rows end in CRLF, so the csv module quotes any field holding a bare CR or LF: no text can start a row.
    writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for record in records:
        row = {}
        for f in fields:
            value = record.get(f)
            if isinstance(value, (list, tuple)):
                value = ";".join(str(v) for v in value)
            row[f] = neutralise(value) if value is not None else ""
        writer.writerow(row)


# ---------------------------------------------------------------------------------------------- downloads
# What a page offers beside a table. A CSV starts with a byte-order mark: without it Excel on Chinese Windows
# reads UTF-8 as GBK and shows 鍘匡紙甯傘… for 县（市、区）.
DOWNLOAD_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SHEET_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


def table_csv(headers, rows, notes=()):
    """A download as CSV text: BOM, header row, the rows (text neutralised), then a blank line and one note a
    line (year, time, source), below the data so the first row stays the header a program reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    if notes:
        writer.writerow([])
        writer.writerows([[neutralise(note)] for note in notes])
    return "\ufeff" + out.getvalue()


def _width(value):
    """Display width in Excel's character units: a Chinese character takes two."""
    text = f"{value:,.2f}" if isinstance(value, float) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def table_xlsx(headers, rows, notes=(), title="数据"):
    """A download as XLSX bytes: one sheet named `title`, a bold frozen header, columns as wide as their
    contents (capped at 60), numbers as numbers (integers 0, decimals #,##0.00), notes below the data."""
    book = Workbook()
    sheet = book.active
    sheet.title = (title.translate(SHEET_FORBIDDEN) or "数据")[:31]
    sheet.append([neutralise(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(["" if v is None else neutralise(v) for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, bool):
                continue
            if isinstance(cell.value, int):
                cell.number_format = "0"
            elif isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    for n, header in enumerate(headers, start=1):
        widest = max([_width(header), *(_width(r[n - 1]) for r in rows if n - 1 < len(r) and r[n - 1] is not None)])
        sheet.column_dimensions[get_column_letter(n)].width = min(widest + 2, 60)
    if notes:
        sheet.append([])
        for note in notes:
            sheet.append([neutralise(note)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(fmt, headers, rows, *, title, notes=()):
    """A table download's bytes for fmt "csv" or "xlsx" (ValueError for anything else); its content type is
    DOWNLOAD_FORMATS[fmt]."""
    if fmt not in DOWNLOAD_FORMATS:
        raise ValueError(f"no such download format: {fmt!r}")
    rows = [list(r) for r in rows]
    return table_csv(headers, rows, notes).encode("utf-8") if fmt == "csv" else table_xlsx(headers, rows, notes, title)
