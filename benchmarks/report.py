"""The results of a run: a Rich table on the console and a markdown section of docs/performance.md (one per scale,
replaced on every run of that scale)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tutorassist.db.connection import connect

COUNTED = ("workspaces", "users", "questions", "assignments", "attempts", "spaced_repetition", "review_events")


def row_counts(url: str) -> dict[str, int]:
    with connect(url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def machine(url: str) -> dict[str, str]:
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    with connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {"cores": str(os.cpu_count()), "ram": ram, "postgresql": version}


def _ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if value >= 100 else (f"{value:.1f}" if value >= 10 else f"{value:.2f}")


def _failures(t) -> str:  # noqa: ANN001 - submissions.Throughput
    if not t.api_failures:
        return "none refused"
    return f"{t.failed} refused: " + ", ".join(f"{n}× {why}" for why, n in sorted(t.api_failures.items()))


def _pair(latency) -> str:  # noqa: ANN001 - measure.Latency or None
    return "–" if latency is None else f"{_ms(latency.p50)} / {_ms(latency.p95)}"


HEADERS = ("operation", "API p50 / p95", "SQL with RLS p50 / p95", "SQL as owner p50 / p95",
           "RLS 1st / 20th run", "owner 1st / 20th run", "statements")


def _rows(result) -> list[tuple[str, ...]]:  # noqa: ANN001 - run.RunResult
    rows = []
    for f in result.figures:
        if f.note:
            rows.append((f.operation.name, f.note, "", "", "", "", ""))
            continue
        rows.append((f.operation.name, _pair(f.api), _pair(f.rls), _pair(f.owner),
                     f"{_ms(f.first_rls)} / {_ms(f.twentieth_rls)}", f"{_ms(f.first_owner)} / {_ms(f.twentieth_owner)}",
                     str(f.statements)))
    return rows


def _hot_rows(result) -> list[tuple[str, str, str, str]]:  # noqa: ANN001
    rows = []
    for table, (ins, upd, hot) in sorted(result.hot.items()):
        ratio = f"{100 * hot / upd:.0f}%" if upd else "no updates"
        rows.append((table, f"{ins:,}", f"{upd:,}", ratio))
    return rows


def print_result(result, console: Console) -> None:  # noqa: ANN001
    table = Table(title=f"scale {result.scale.name}: milliseconds", show_lines=False)
    for h in HEADERS:
        table.add_column(h, justify="left" if h == "operation" else "right")
    for row in _rows(result):
        table.add_row(*row)
    console.print(table)
    t = result.submissions
    console.print(f"attempt submission, {t.clients} clients: API {t.api_per_second:.0f}/s (p50 {_ms(t.api.p50)}, "
                  f"p95 {_ms(t.api.p95)} ms, {_failures(t)}); the same SQL {t.sql_per_second:.0f}/s "
                  f"(p50 {_ms(t.sql.p50)}, p95 {_ms(t.sql.p95)} ms)")
    hot = Table(title="tables an attempt touches (submission phases)")
    for h in ("table", "inserts", "updates", "HOT"):
        hot.add_column(h, justify="left" if h == "table" else "right")
    for row in _hot_rows(result):
        hot.add_row(*row)
    console.print(hot)
    console.print(f"app.refresh_analytics_views(): {result.refresh_seconds:.2f} s; tutorassist db verify: "
                  f"{result.verify_seconds:.1f} s (exit {result.verify_exit})")


def markdown(result) -> str:  # noqa: ANN001
    m, t = result.machine, result.submissions
    counts = ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in result.counts.items())
    lines = [
        f"<!-- benchmark:{result.scale.name} -->",
        f"### Scale {result.scale.name}",
        "",
        f"`python -m benchmarks.run --scale {result.scale.name}` on {result.finished_at:%Y-%m-%d %H:%M} UTC: "
        f"{m['cores']} cores, {m['ram']} RAM, PostgreSQL {m['postgresql']}; database {result.description}: {counts}.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
        *("| " + " | ".join(r) + " |" for r in _rows(result)),
        "",
        f"Attempt submission, {t.clients} concurrent clients × {t.per_client}: **{t.api_per_second:.0f}/s** through the "
        f"API (p50 {_ms(t.api.p50)} ms, p95 {_ms(t.api.p95)} ms, {_failures(t)}); the same statements from "
        f"{t.clients} connections: **{t.sql_per_second:.0f}/s** (p50 {_ms(t.sql.p50)} ms, p95 {_ms(t.sql.p95)} ms), "
        f"so the API reaches {100 * t.api_per_second / t.sql_per_second:.0f}% of the bare-SQL ceiling.",
        "",
        "| table an attempt touches | rows inserted | rows updated | HOT updates |",
        "|---|---|---|---|",
        *("| " + " | ".join(r) + " |" for r in _hot_rows(result)),
        "",
        f"`app.refresh_analytics_views()`: {result.refresh_seconds:.2f} s. `tutorassist db verify`: "
        f"{result.verify_seconds:.1f} s (exit {result.verify_exit}).",
        f"<!-- /benchmark:{result.scale.name} -->",
    ]
    return "\n".join(lines) + "\n"


def write_docs(result, path: Path) -> None:  # noqa: ANN001
    """Replace this scale's section of the file (or append it under '## Benchmarks')."""
    write_section(path, result.scale.name, markdown(result), marked=True)


def write_section(path: Path, key: str, section: str, *, marked: bool = False) -> None:
    """Replace the section between <!-- benchmark:key --> and <!-- /benchmark:key --> (or append it under
    '## Benchmarks'); `marked`: the section already carries its markers."""
    if not marked:
        section = f"<!-- benchmark:{key} -->\n{section.rstrip()}\n<!-- /benchmark:{key} -->\n"
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(rf"<!-- benchmark:{key} -->.*?<!-- /benchmark:{key} -->\n", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        if "## Benchmarks" not in text:
            text = text.rstrip("\n") + "\n\n## Benchmarks\n\n"
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
