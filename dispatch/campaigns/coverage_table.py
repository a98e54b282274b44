"""The coverage report as a plain-text table for the terminal (`dispatch coverage`)."""

from __future__ import annotations

import unicodedata

from dispatch.campaigns.coverage import CoverageLayer, CoverageReport

_HEADER = ("adcode", "县区 county", "地级市 city", "seat", "nearest km", "owners out/all", "vehicles out/all")
_LAYER_TITLES = {"service": "服务覆盖 / Service coverage", "rescue": "救援覆盖 / Rescue coverage"}


def format_coverage(report: CoverageReport, *, limit: int = 30) -> str:
    """Headline figures per layer, then the county gaps (seat outside coverage first)."""
    lines = [
        f"服务站 / Stations: {report.stations}; 有服务站的地级市 / prefecture-level cities with a station: "
        f"{report.cities_with_station}/{report.cities_total} ({report.cities_with_station_pct:.1f}%)",
    ]
    for layer in report.layers:
        lines += ["", *_layer_lines(layer, limit)]
    return "\n".join(lines)


def _layer_lines(layer: CoverageLayer, limit: int) -> list[str]:
    title = _LAYER_TITLES.get(layer.name, layer.name)
    lines = [
        f"{title} — {layer.radius_km:g} km from {layer.centres} station(s)",
        "  "
        + _share("县区 / counties", layer.counties_covered, layer.counties_total)
        + "   "
        + _share("地级市 / cities", layer.cities_covered, layer.cities_total),
        "  "
        + _share("车主 / owners", layer.owners_covered, layer.owners_total)
        + "   "
        + _share("车辆 / vehicles", layer.vehicles_covered, layer.vehicles_total),
    ]
    if not layer.gaps:
        return [*lines, "  无覆盖缺口 / No gaps"]
    header = _HEADER
    rows = [
        (
            gap.adcode,
            gap.name,
            gap.city_name,
            "in" if gap.seat_covered else "OUT",
            f"{gap.nearest_station_km:.1f}",
            f"{gap.owners_uncovered}/{gap.owners}",
            f"{gap.vehicles_uncovered}/{gap.vehicles}",
        )
        for gap in layer.gaps[:limit]
    ]
    widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines += [_row(row, widths) for row in (header, *rows)]
    if len(layer.gaps) > limit:
        lines.append(f"  ... {len(layer.gaps) - limit} more / 另有 {len(layer.gaps) - limit} 个")
    return lines


def _share(label: str, part: int, whole: int) -> str:
    pct = 100.0 * part / whole if whole else 100.0
    return f"{label}: {part}/{whole} ({pct:.1f}%)"


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    return ("  " + "  ".join(_pad(c, w) for c, w in zip(cells, widths, strict=True))).rstrip()


def _width(text: str) -> int:
    """Display width: CJK characters take two terminal columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
