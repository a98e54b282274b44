"""Reading a whole network from CSV files, checking every row before anything is written.

One CSV file per kind, UTF-8 (a BOM is fine), header row first, documented in the README:

    stations.csv  code,name,star_rating,lat,lon,datum,address,county_adcode,phone
    vans.csv      plate,name,kind,station_code,capabilities,status
    crews.csv     phone,name,van_plate,skills,active
    shifts.csv    plate,shift_start,shift_end

Natural keys (station ``code``, van ``plate``, technician ``phone``) make re-importing the same files a
no-op. Lists (``capabilities``, ``skills``) are separated by ``;``. Every problem is reported with its file,
line (the header is line 1) and column; :func:`parse_network` never touches the database, the cross-file
checks (a van's station exists in the file or the database, ...) happen in `dispatch.fleet.network_import`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from dispatch.fleet.models import Capability, VanKind, VanStatus
from dispatch.geo.divisions import Level, by_adcode
from dispatch.owners.plates import normalise_plate
from routing.datums import Datum, to_wgs84

FILES: dict[str, tuple[str, ...]] = {
    "stations.csv": (
        "code",
        "name",
        "star_rating",
        "lat",
        "lon",
        "datum",
        "address",
        "county_adcode",
        "phone",
    ),
    "vans.csv": ("plate", "name", "kind", "station_code", "capabilities", "status"),
    "crews.csv": ("phone", "name", "van_plate", "skills", "active"),
    "shifts.csv": ("plate", "shift_start", "shift_end"),
}
# Columns a file may leave out (or leave empty), with the value used then (None: keep what is stored).
OPTIONAL: dict[str, dict[str, Any]] = {
    "stations.csv": {"datum": Datum.WGS84, "phone": ""},
    "vans.csv": {"name": "", "capabilities": [], "status": None},
    "crews.csv": {"van_plate": None, "skills": [], "active": True},
    "shifts.csv": {},
}
VAN_IMPORT_STATUSES = ("available", "off_duty", "out_of_service", "retired")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str | None
    message: str


class CellError(ValueError):
    """A cell that cannot be read; the message is shown to the admin."""


@dataclass(frozen=True)
class Row:
    """One good row: where it came from and its typed values."""

    file: str
    line: int
    values: Mapping[str, Any]


@dataclass
class ParsedNetwork:
    stations: list[Row] = field(default_factory=list)
    vans: list[Row] = field(default_factory=list)
    crews: list[Row] = field(default_factory=list)
    shifts: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Natural keys of rows that had problems: references to them are not reported a second time.
    bad_station_codes: set[str] = field(default_factory=set)
    bad_plates: set[str] = field(default_factory=set)


def parse_network(files: Mapping[str, bytes]) -> ParsedNetwork:
    """Read the CSV files given (name -> bytes); unknown names and bad cells become errors, not exceptions."""
    network = ParsedNetwork()
    for name in files:
        if name not in FILES:
            known = ", ".join(FILES)
            network.errors.append(
                RowError(name, 0, None, f"未知文件 / Unknown file (expected one of {known})")
            )
    for name, rows in (("stations.csv", network.stations), ("vans.csv", network.vans),
                       ("crews.csv", network.crews), ("shifts.csv", network.shifts)):  # fmt: skip
        if name in files:
            rows.extend(_read_file(name, files[name], network))
    _report_duplicates(network)
    return network


def _read_file(name: str, content: bytes, network: ParsedNetwork) -> list[Row]:
    errors = network.errors
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        errors.append(RowError(name, 0, None, f"文件不是 UTF-8 编码 / The file is not UTF-8 ({exc.reason})"))
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in FILES[name] if c not in header and c not in OPTIONAL[name]]
    unknown = [c for c in header if c not in FILES[name]]
    for column in missing:
        errors.append(RowError(name, 1, column, "缺少列 / Missing column"))
    for column in unknown:
        errors.append(RowError(name, 1, column, "未知列 / Unknown column"))
    if missing or unknown:
        return []
    rows: list[Row] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= MAX_ROWS:
            errors.append(RowError(name, line, None, f"行数超过 {MAX_ROWS} / More than {MAX_ROWS} rows"))
            break
        if len(cells) != len(header):
            expected, got = len(header), len(cells)
            message = f"应有 {expected} 列，实际 {got} 列 / Expected {expected} cells, got {got}"
            errors.append(RowError(name, line, None, message))
            continue
        raw = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
        row = _typed_row(name, line, raw, errors)
        if row is not None:
            rows.append(row)
        elif name == "stations.csv":
            network.bad_station_codes.add(raw["code"])
        elif name == "vans.csv":
            network.bad_plates.add(normalise_plate(raw["plate"]))
    return rows


def _typed_row(name: str, line: int, raw: dict[str, str], errors: list[RowError]) -> Row | None:
    values: dict[str, Any] = {}
    ok = True
    for column in FILES[name]:
        cell = raw.get(column, "")
        if not cell:
            if column in OPTIONAL[name]:
                values[column] = OPTIONAL[name][column]
            else:
                errors.append(RowError(name, line, column, "不能为空 / Required"))
                ok = False
            continue
        try:
            values[column] = _READERS.get(column, _text(120))(cell)
        except CellError as exc:
            errors.append(RowError(name, line, column, str(exc)))
            ok = False
    if ok and name == "stations.csv":
        values["lat"], values["lon"] = to_wgs84(values["lat"], values["lon"], values.pop("datum"))
    return Row(name, line, values) if ok else None


def _report_duplicates(network: ParsedNetwork) -> None:
    for rows, key in ((network.stations, "code"), (network.vans, "plate"), (network.crews, "phone"),
                      (network.shifts, "plate")):  # fmt: skip
        first_line: dict[Any, int] = {}
        for row in rows:
            value = row.values[key]
            if value in first_line:
                message = f"与第 {first_line[value]} 行重复 / Duplicate of line {first_line[value]}"
                network.errors.append(RowError(row.file, row.line, key, message))
            else:
                first_line[value] = row.line


def _text(max_length: int) -> Callable[[str], str]:
    def read(cell: str) -> str:
        if len(cell) > max_length:
            raise CellError(f"最长 {max_length} 个字符 / At most {max_length} characters")
        return cell

    return read


def _number(low: float, high: float) -> Callable[[str], float]:
    def read(cell: str) -> float:
        try:
            value = float(cell)
        except ValueError:
            raise CellError(f"不是数字 / Not a number: {cell!r}") from None
        if not low <= value <= high:
            raise CellError(f"应在 {low} 到 {high} 之间 / Must be between {low} and {high}")
        return value

    return read


def _star_rating(cell: str) -> int:
    if cell not in {"1", "2", "3", "4", "5"}:
        raise CellError("星级应为 1 到 5 / Star rating must be 1 to 5")
    return int(cell)


def _choice(choices: tuple[str, ...]) -> Callable[[str], str]:
    def read(cell: str) -> str:
        if cell.lower() not in choices:
            raise CellError(f"应为 {' / '.join(choices)} 之一 / Must be one of: {', '.join(choices)}")
        return cell.lower()

    return read


def _list_of(choices: tuple[str, ...] | None) -> Callable[[str], list[str]]:
    def read(cell: str) -> list[str]:
        items = [item.strip().lower() for item in cell.split(";") if item.strip()]
        bad = [item for item in items if choices is not None and item not in choices]
        if bad:
            raise CellError(
                f"未知的值 {', '.join(bad)} / Unknown: {', '.join(bad)} (one of {', '.join(choices or ())})"
            )
        return sorted(set(items))

    return read


def _county(cell: str) -> str:
    division = by_adcode().get(cell)
    if division is None or division.level is Level.PROVINCE:
        raise CellError(f"未知的县区代码 / Unknown county adcode {cell}")
    return cell


def _plate(cell: str) -> str:
    plate = normalise_plate(cell)
    if not 2 <= len(plate) <= 16:
        raise CellError("车牌应为 2 到 16 个字符 / A plate has 2 to 16 characters")
    return plate


def _phone(cell: str) -> str:
    digits = cell.replace(" ", "").replace("-", "")
    if not (5 <= len(digits) <= 20 and digits.lstrip("+").isdigit()):
        raise CellError(f"电话号码无效 / Not a phone number: {cell!r}")
    return digits


def _time_of_day(cell: str) -> time:
    try:
        return time.fromisoformat(cell)
    except ValueError:
        raise CellError(f"时间应为 HH:MM / A time is HH:MM, got {cell!r}") from None


def _yes_no(cell: str) -> bool:
    lowered = cell.lower()
    if lowered in {"yes", "y", "true", "1", "是"}:
        return True
    if lowered in {"no", "n", "false", "0", "否"}:
        return False
    raise CellError("应为 yes 或 no / Must be yes or no")


def _code(cell: str) -> str:
    if len(cell) > 32 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in cell):
        raise CellError("代码只能含字母、数字、_ 和 -，最长 32 / Letters, digits, _ and - only, at most 32")
    return cell


_READERS: dict[str, Callable[[str], Any]] = {
    "code": _code,
    "station_code": _code,
    "name": _text(120),
    "address": _text(255),
    "star_rating": _star_rating,
    "lat": _number(-90.0, 90.0),
    "lon": _number(-180.0, 180.0),
    "datum": _choice(tuple(d.value for d in Datum)),
    "county_adcode": _county,
    "phone": _phone,
    "plate": _plate,
    "van_plate": _plate,
    "kind": _choice(tuple(k.value for k in VanKind)),
    "capabilities": _list_of(tuple(c.value for c in Capability)),
    "skills": _list_of(None),
    "status": _choice(VAN_IMPORT_STATUSES),
    "active": _yes_no,
    "shift_start": _time_of_day,
    "shift_end": _time_of_day,
}
assert set(VAN_IMPORT_STATUSES) <= {s.value for s in VanStatus}
