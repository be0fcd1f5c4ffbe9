"""Writing records as JSON or CSV for the export commands and downloads."""

import csv
import json

# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Make a text cell safe to open in Excel: '=1+1' becomes "'=1+1"; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_records(stream, records, fields, fmt):
    """Write dict records to a text stream; JSON keeps types, CSV neutralises formula-like text."""
    if fmt == "json":
        stream.write(json.dumps([{f: r.get(f) for f in fields} for r in records], ensure_ascii=False, indent=1))
        stream.write("\n")
        return
    writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = {}
        for f in fields:
            value = record.get(f)
            if isinstance(value, (list, tuple)):
                value = ";".join(str(v) for v in value)
            row[f] = neutralise(value) if value is not None else ""
        writer.writerow(row)
