"""Charts drawn on the server as SVG (hand-written Vega-Lite specs rendered by vl-convert, no browser, no network).

Every chart is readable without colour: series differ by point shape and stroke dash as well as colour, the legend
shows the shapes, titles and axes are words, percentages are formatted. A chart carries a one-sentence summary (the
SVG's accessible name and the figure's caption) and its numbers as table rows (templates/_chart.html shows them under
"Show the numbers"). No data gives no chart: `Chart.svg` is None and the page says so in a sentence.
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import vl_convert
from markupsafe import Markup

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"

# Distinguishable in greyscale and by colour-blind readers (Okabe-Ito), each paired with its own shape and dash.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000", "#F0E442"]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "triangle-left", "triangle-right"]
DASHES = [[1, 0], [8, 4], [2, 3], [8, 3, 2, 3], [12, 4], [4, 4], [1, 4], [10, 2, 2, 2]]
MAX_SERIES = len(SHAPES)
WIDTH = 560

_CONFIG = {
    "aria": False,  # the whole SVG is one image with a summary; its marks need no roles of their own
    "font": "DejaVu Sans, sans-serif",
    "axis": {"labelFontSize": 12, "titleFontSize": 13, "labelColor": "#1b1f24", "titleColor": "#1b1f24"},
    "legend": {"labelFontSize": 12, "titleFontSize": 13, "symbolSize": 90, "symbolStrokeWidth": 2, "orient": "bottom",
               "direction": "vertical", "labelLimit": 320},
    "title": {"fontSize": 15, "anchor": "start", "color": "#1b1f24"},
    "view": {"stroke": None},
}


@dataclass(frozen=True)
class Chart:
    """A rendered chart (or the sentence said instead of an empty one) and the numbers behind it."""

    title: str
    summary: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]] = field(default_factory=list)
    svg: Markup | None = None

    @property
    def empty(self) -> bool:
        return self.svg is None


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}" if digits or isinstance(value, float) else f"{value:,}"


_chart_ids = itertools.count(1)


def sanitise(svg: str, label: str) -> Markup:
    """The SVG rebuilt from its parse: no scripts, foreign content, event handlers or external links, ids made
    unique to this chart (several charts share a page), and the accessible name of an image."""
    root = ET.fromstring(svg)
    prefix = f"chart{next(_chart_ids)}-"
    for parent in list(root.iter()):
        for child in list(parent):
            tag = child.tag.rpartition("}")[2]
            if tag in ("script", "foreignObject") or not child.tag.startswith("{" + _SVG + "}"):
                parent.remove(child)
    for element in root.iter():
        for name in list(element.attrib):
            local = name.rpartition("}")[2]
            value = element.attrib[name]
            if local.lower().startswith("on") or (local == "href" and not value.startswith("#")):
                del element.attrib[name]
            elif element is not root and (local == "role" or local.startswith("aria-")):
                del element.attrib[name]  # the whole SVG is one image: its marks are not named parts of it
            elif local == "id":
                element.attrib[name] = prefix + value
            elif local == "href":
                element.attrib[name] = "#" + prefix + value[1:]
            elif "url(#" in value:
                element.attrib[name] = value.replace("url(#", "url(#" + prefix)
    _plain_names(root)
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("focusable", "false")
    return Markup(ET.tostring(root, encoding="unicode"))


def _plain_names(root: ET.Element) -> None:
    """SVG names without ElementTree's `ns0:` prefixes. (Registering the SVG namespace as the default would be
    global, and would take the default from the MathML of web/rendering.py.)"""
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
        for name in [n for n in element.attrib if n.startswith("{")]:
            namespace, _, local = name[1:].partition("}")
            element.attrib[("xlink:" if namespace == _XLINK else "") + local] = element.attrib.pop(name)
    root.set("xmlns", _SVG)
    root.set("xmlns:xlink", _XLINK)


def render(spec: dict[str, Any], label: str) -> Markup:
    full = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "config": _CONFIG, **spec}
    return sanitise(vl_convert.vegalite_to_svg(full), label)


def _series_encoding(names: list[str], title: str) -> dict[str, Any]:
    """Colour, shape and dash all follow the series, so the legend shows each series' shape and dash."""
    n = len(names)
    scale_of = lambda values: {"domain": names, "range": values[:n]}  # noqa: E731
    legend = {"title": title} if n > 1 else None
    return {
        "color": {"field": "series", "type": "nominal", "scale": scale_of(COLOURS), "legend": legend},
        "shape": {"field": "series", "type": "nominal", "scale": scale_of(SHAPES), "legend": legend},
        "strokeDash": {"field": "series", "type": "nominal", "scale": scale_of(DASHES), "legend": legend},
    }


def line_chart(title: str, series: dict[str, Sequence[tuple[date, float | None]]], *, x_title: str, y_title: str,
               series_title: str = "Series", as_percent: bool = True, empty: str = "No data in this period yet.",
               interval: str = "day", span: tuple[date, date] | None = None) -> Chart:
    """Values over time, one line per series (at most MAX_SERIES are drawn; the table holds them all). A None
    value (nothing measured that day or week) leaves a gap, never a zero. The time axis covers `span` (the report's
    period) or else the days measured; its ticks fall on bucket starts (days, or Mondays for weeks), at most 8."""
    fmt = percent if as_percent else (lambda v: number(v, 1))
    rows = [[name, day.isoformat(), fmt(value)] for name, points in series.items() for day, value in points]
    columns = [series_title, x_title, y_title]
    measured = {name: [(d, v) for d, v in points if v is not None] for name, points in series.items()}
    measured = {name: points for name, points in measured.items() if points}
    if not measured:
        return Chart(title=title, summary=empty, columns=columns, rows=rows)
    drawn = list(measured)[:MAX_SERIES]
    values = [{"series": name, "day": d.isoformat(), "value": v} for name in drawn for d, v in measured[name]]
    summary = _line_summary(measured, drawn, fmt, len(measured) - len(drawn), y_title)
    y_axis: dict[str, Any] = {"title": y_title, "format": ".0%"} if as_percent else {"title": y_title}
    days = [d for name in drawn for d, _ in measured[name]]
    first, last = min(days + [span[0]] if span else days), max(days + [span[1]] if span else days)
    ticks = _ticks(first, last, 7 if interval == "week" else 1)
    spec = {
        "title": title, "width": WIDTH, "height": 240, "data": {"values": values},
        "mark": {"type": "line", "point": {"size": 70, "filled": True}, "strokeWidth": 2},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate", "title": x_title,
                  "scale": {"domain": [_datetime(first), _datetime(last)]},
                  "axis": {"format": "%d %b", "labelAngle": 0, "labelOverlap": "greedy",
                           "values": [_datetime(t) for t in ticks]}},
            "y": {"field": "value", "type": "quantitative", "axis": y_axis,
                  "scale": {"domain": [0, 1]} if as_percent else {"zero": True}},
            **_series_encoding(drawn, series_title),
            "tooltip": None,
        },
    }
    return Chart(title=title, summary=summary, columns=columns, rows=rows, svg=render(spec, f"{title}. {summary}"))


def _ticks(first: date, last: date, unit_days: int, most: int = 8) -> list[date]:
    """At most `most` ticks on bucket starts (Mondays for weeks), evenly spaced whole buckets apart."""
    start = first + timedelta(days=(-first.weekday()) % 7) if unit_days == 7 else first
    buckets = (last - start).days // unit_days + 1
    step = max(1, math.ceil(buckets / most)) * unit_days
    return [start + timedelta(days=i) for i in range(0, (last - start).days + 1, step)]


def _datetime(day: date) -> dict[str, Any]:
    return {"year": day.year, "month": day.month, "date": day.day, "utc": True}


def _line_summary(measured: dict[str, list[tuple[date, float]]], drawn: list[str], fmt, left_out: int,
                  y_title: str) -> str:
    parts = []
    for name in drawn:
        points = measured[name]
        (first_day, first), (last_day, last) = points[0], points[-1]
        who = f"{name}: " if len(measured) > 1 else ""
        if len(points) == 1:
            parts.append(f"{who}{y_title.lower()} {fmt(first)} on {first_day.isoformat()}")
        else:
            parts.append(f"{who}{y_title.lower()} from {fmt(first)} ({first_day.isoformat()}) to {fmt(last)} "
                         f"({last_day.isoformat()}), {len(points)} points")
    if left_out:
        parts.append(f"{left_out} more in the table only")
    return "; ".join(parts) + "."


def bar_chart(title: str, bars: Iterable[tuple[str, float | None]], *, category_title: str, value_title: str,
              as_percent: bool = True, digits: int = 0, extra_columns: Sequence[str] = (),
              extra: Sequence[Sequence[str]] | None = None, empty: str = "No data in this period yet.") -> Chart:
    """One horizontal bar per category, its value written at the bar's end (so it reads without the axis).
    `extra_columns`/`extra` add columns to the table (sample sizes, say) beside each bar's value."""
    bars = list(bars)
    fmt = (lambda v: percent(v, digits)) if as_percent else (lambda v: number(v, digits))
    extra = extra or [[] for _ in bars]
    rows = [[name, fmt(value), *more] for (name, value), more in zip(bars, extra)]
    columns = [category_title, value_title, *extra_columns]
    measured = [(name, value) for name, value in bars if value is not None]
    if not measured:
        return Chart(title=title, summary=empty, columns=columns, rows=rows)
    values = [{"category": name, "value": value, "label": fmt(value)} for name, value in measured]
    top = max(measured, key=lambda b: b[1])
    bottom = min(measured, key=lambda b: b[1])
    summary = (f"{len(measured)} {category_title.lower()}{'' if len(measured) == 1 else 's'}; highest {top[0]} "
               f"({fmt(top[1])})" + (f", lowest {bottom[0]} ({fmt(bottom[1])})" if len(measured) > 1 else "") + ".")
    x_axis: dict[str, Any] = {"title": value_title, "format": ".0%"} if as_percent else {"title": value_title}
    x = {"field": "value", "type": "quantitative", "axis": x_axis,
         "scale": {"domain": [0, 1]} if as_percent else {"zero": True}}
    y = {"field": "category", "type": "nominal", "sort": None, "title": category_title, "axis": {"labelLimit": 200}}
    spec = {
        "title": title, "width": WIDTH - 140, "height": {"step": 26}, "data": {"values": values},
        "encoding": {"y": y},
        "layer": [
            {"mark": {"type": "bar", "color": COLOURS[0]}, "encoding": {"x": x}},
            {"mark": {"type": "text", "align": "left", "dx": 4, "color": "#1b1f24"},
             "encoding": {"x": x, "text": {"field": "label"}}},
        ],
    }
    return Chart(title=title, summary=summary, columns=columns, rows=rows, svg=render(spec, f"{title}. {summary}"))


_SPACES = re.compile(r"\s+")


def plain(text: str | None, limit: int = 60) -> str:
    """A label for a chart from free text (one line, at most `limit` characters)."""
    text = _SPACES.sub(" ", text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
