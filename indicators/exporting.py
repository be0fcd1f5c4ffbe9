"""Writing records as JSON or CSV for the export commands and downloads."""

import csv
import json

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
