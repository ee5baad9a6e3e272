"""Server-side SVG charts: valid XML without scripts or external links, series told apart by shape and dash (not
colour alone), the numbers in a table, and a sentence instead of an empty chart.

Render time measured on this machine (2 cores shared with other work, vl-convert 1.9): the first chart of a process
0.7-3.1 s (vl-convert starts its JavaScript engine once), later ones 0.12-0.4 s each.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from tutorassist.web import charts, report_charts
from tutorassist.web.rendering import math
from tutorassist.web.templating import ENV

SVG = "{http://www.w3.org/2000/svg}"
MONDAY = date(2026, 1, 5)


def two_series() -> charts.Chart:
    weeks = [MONDAY + timedelta(weeks=i) for i in range(4)]
    return charts.line_chart(
        "Accuracy over time",
        {"Algebra": list(zip(weeks, [0.5, None, 0.7, 0.8])), "Geometry": list(zip(weeks, [0.25, 0.4, 0.6, 0.9]))},
        x_title="Week starting", y_title="Accuracy", series_title="Topic")


def test_a_line_chart_is_an_svg_image_without_scripts_or_external_links():
    started = time.perf_counter()
    chart = two_series()
    elapsed = time.perf_counter() - started
    print(f"line chart rendered in {elapsed:.2f} s")
    root = ET.fromstring(str(chart.svg))
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img" and "Accuracy over time" in root.get("aria-label")
    assert not [e for e in root.iter() if e.tag.endswith("script") or e.tag.endswith("foreignObject")]
    # one image: axe's svg-img-alt fails on marks that keep vl-convert's graphics-symbol roles
    assert [e for e in root.iter() if e.get("role") or any(a.startswith("aria-") for a in e.attrib)] == [root]
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on")
            if name.endswith("href"):
                assert value.startswith("#")


def test_series_differ_by_shape_and_dash_not_only_colour():
    root = ET.fromstring(str(two_series().svg))
    symbols = [g for g in root.iter(SVG + "g") if "mark-symbol" in (g.get("class") or "")]
    shapes_per_layer = [{p.get("d") for p in g.iter(SVG + "path")} for g in symbols]
    point_shapes = max(shapes_per_layer, key=len)
    assert len(point_shapes) >= 2, "the two series' points have the same shape"
    lines = [p for g in root.iter(SVG + "g") if "mark-line" in (g.get("class") or "") for p in g.iter(SVG + "path")]
    assert len({p.get("stroke-dasharray") for p in lines}) == 2, "the two lines have the same dash"
    texts = {t.text for t in root.iter(SVG + "text")}
    assert {"Algebra", "Geometry", "Topic", "Week starting", "Accuracy", "100%"} <= texts


def test_the_table_holds_every_number_and_a_gap_stays_a_gap():
    chart = two_series()
    assert chart.columns == ["Topic", "Week starting", "Accuracy"]
    assert ["Algebra", "2026-01-12", "—"] in chart.rows
    assert ["Geometry", "2026-01-26", "90%"] in chart.rows
    assert len(chart.rows) == 8
    assert "from 50% (2026-01-05) to 80% (2026-01-26)" in chart.summary


def test_a_bar_chart_writes_its_values_and_keeps_unmeasured_bars_in_the_table():
    chart = charts.bar_chart("Accuracy per topic", [("Algebra", 0.5), ("Geometry", None), ("Fractions", 0.93)],
                             category_title="Topic", value_title="Accuracy", extra_columns=["Attempts"],
                             extra=[["10"], ["0"], ["30"]])
    texts = {t.text for t in ET.fromstring(str(chart.svg)).iter(SVG + "text")}
    assert {"Algebra", "Fractions", "50%", "93%"} <= texts and "Geometry" not in texts
    assert chart.rows == [["Algebra", "50%", "10"], ["Geometry", "—", "0"], ["Fractions", "93%", "30"]]
    assert "highest Fractions (93%), lowest Algebra (50%)" in chart.summary


def test_no_data_gives_a_sentence_not_an_empty_chart():
    chart = charts.line_chart("Accuracy over time", {"You": [(MONDAY, None)]}, x_title="Day", y_title="Accuracy",
                              empty="No graded answers in this period yet.")
    assert chart.empty and chart.svg is None
    html = ENV.get_template("_chart.html").module.chart(chart)
    assert "No graded answers in this period yet." in html and "<figure" not in html and "<svg" not in html


def test_the_macro_renders_figure_caption_and_a_captioned_table():
    html = str(ENV.get_template("_chart.html").module.chart(two_series()))
    assert html.count('<figure class="chart">') == 1 and "<figcaption>" in html
    assert '<details class="data-table">' in html and "<summary>Show the numbers</summary>" in html
    assert "<caption>Accuracy over time (the numbers)</caption>" in html
    assert '<th scope="row">Geometry</th>' in html and "<td>90%</td>" in html


def test_sanitise_removes_scripts_handlers_and_external_links_and_prefixes_ids():
    hostile = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="x()">'
               '<script>alert(1)</script><defs><clipPath id="c"><rect/></clipPath></defs>'
               '<a xlink:href="https://evil.example"><rect clip-path="url(#c)" onclick="y()"/></a>'
               '<use href="#c"/><foreignObject><p>hi</p></foreignObject></svg>')
    cleaned = str(charts.sanitise(hostile, "a test"))
    for bad in ("script", "alert", "onload", "onclick", "evil.example", "foreignObject"):
        assert bad not in cleaned
    root = ET.fromstring(cleaned)
    clip_id = next(e.get("id") for e in root.iter() if e.get("id"))
    assert clip_id != "c" and f"url(#{clip_id})" in cleaned and f'href="#{clip_id}"' in cleaned
    assert root.get("aria-label") == "a test"


def test_two_charts_on_one_page_never_share_an_id():
    ids = []
    for chart in (two_series(), two_series()):
        ids += [e.get("id") for e in ET.fromstring(str(chart.svg)).iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_charts_leave_the_mathml_of_questions_unprefixed():
    two_series()
    assert str(math("x^2")).startswith("<math") and "ns0:" not in str(math("x^2"))


def test_the_time_axis_spans_the_period_with_ticks_on_bucket_starts():
    weekly = charts.line_chart("Accuracy per week", {"You": [(date(2026, 9, 7), 1.0), (date(2026, 11, 23), 0.5)]},
                               x_title="Week starting", y_title="Accuracy", interval="week",
                               span=(date(2026, 9, 2), date(2026, 11, 30)))
    labels = [t.text for t in ET.fromstring(str(weekly.svg)).iter(SVG + "text")]
    assert "07 Sep" in labels and "30 Nov" in labels and "02 Sep" not in labels  # Mondays only, to the period's end
    assert charts._ticks(date(2026, 9, 2), date(2026, 11, 30), 7)[:2] == [date(2026, 9, 7), date(2026, 9, 21)]
    assert len(charts._ticks(date(2026, 9, 2), date(2026, 11, 30), 1)) <= 8
    assert charts._ticks(date(2026, 11, 27), date(2026, 11, 29), 1) == [date(2026, 11, 27), date(2026, 11, 28),
                                                                         date(2026, 11, 29)]
    single = charts.line_chart("Accuracy per day", {"You": [(MONDAY, 0.5)]}, x_title="Day", y_title="Accuracy")
    assert single.summary == "accuracy 50% on 2026-01-05." and single.svg is not None


def test_labels_from_users_stay_text():
    hostile = '<script>alert("x")</script> & <img src=x onerror=y>'
    chart = charts.bar_chart("Accuracy per topic", [(hostile, 0.5), ("Algebra", 0.7)], category_title="Topic",
                             value_title="Accuracy")
    svg = str(chart.svg)
    assert "<script" not in svg and "<img" not in svg and "&lt;script&gt;" in svg
    root = ET.fromstring(svg)
    assert any(t.text and t.text.startswith("<script>") for t in root.iter(SVG + "text"))  # shown as written
    assert chart.rows[0][0] == hostile and "highest Algebra (70%)" in chart.summary


def test_two_topics_called_alike_stay_two_series():
    assert report_charts.unique(["Algebra", "Geometry", "Algebra", "Algebra"]) == [
        "Algebra", "Geometry", "Algebra (2)", "Algebra (3)"]
