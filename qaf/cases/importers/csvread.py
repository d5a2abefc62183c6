"""Reading CSV bytes safely: encodings, BOMs, quoted newlines and unbalanced quotes."""

import csv
import io
from dataclasses import dataclass

from qaf.common.errors import ImportRefused

MAX_FIELD = 10_000


@dataclass
class CsvTable:
    name: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    warnings: list[str]


def decode_text(data: bytes, *, name: str) -> tuple[str, list[str]]:
    """UTF-8 (with or without a BOM), UTF-16 with a BOM, else Windows-1252 with a warning."""
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(f"{name} is not a text file (it contains NUL bytes)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            raise ImportRefused(f"{name} says it is UTF-16 but is not valid UTF-16") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportRefused(
            f"{name} is neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8 and try again"
        ) from None
    return text, [f"{name} is not UTF-8; it was read as Windows-1252 (Excel's default)."]


def read_csv(data: bytes, *, name: str) -> CsvTable:
    """A whole CSV file: header row plus data rows. Refuses malformed quoting whole."""
    text, warnings = decode_text(data, name=name)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    try:
        line = reader.line_num
        for cells in reader:
            start = line + 1
            line = reader.line_num
            if any(len(cell) > MAX_FIELD for cell in cells):
                raise ImportRefused(
                    f"{name} line {start}: a value is longer than {MAX_FIELD:,} characters"
                )
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
            else:
                rows.append((start, cells))
    except csv.Error as error:
        raise ImportRefused(
            f"{name} is not valid CSV near line {reader.line_num}: {error} "
            "(is a double quote left unclosed?)"
        ) from None
    if header is None:
        raise ImportRefused(f"{name} is empty")
    return CsvTable(name=name, header=header, rows=rows, warnings=warnings)
