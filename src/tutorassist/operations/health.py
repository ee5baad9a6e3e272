"""How the database is doing: sizes and growth, index usage, cache hits, slow statements, jobs, maintenance, views.

Every figure is read from PostgreSQL's statistics views and our own job tables by the schema owner. Growth needs an
earlier size: the HEALTH_SAMPLE maintenance job records the sizes of every table and index in its system_jobs row,
and growth is the difference to the latest such sample (and that difference per day).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

SAMPLE_TYPE = "HEALTH_SAMPLE"


@dataclass(frozen=True)
class Thresholds:
    """What `db health --check` alerts on (docs/operations.md)."""

    cache_hit_ratio: float = 0.95  # tables or indexes below this ratio ...
    cache_min_reads: int = 10_000  # ... once this many blocks were read (hit or not) since the statistics reset
    failed_jobs_hours: int = 24  # a job or maintenance run that failed this recently
    stalled_after_seconds: int = 40  # a running job whose worker sent no heartbeat for this long is stuck
    queued_too_long_minutes: int = 30  # a job queued and due this long ago is stuck in the queue
    maintenance_running_minutes: int = 60  # a maintenance run still running after this long is stuck
    views_stale_hours: int = 2  # analytics views not refreshed for this long, while attempts exist


@dataclass
class HealthReport:
    taken_at: str
    database_bytes: int
    tables: list[dict[str, Any]]
    indexes: list[dict[str, Any]]
    previous_sample_at: str | None
    cache: dict[str, Any]
    slow_statements: dict[str, Any]
    jobs: dict[str, Any]
    maintenance: list[dict[str, Any]]
    analytics_views: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _all(conn: Connection, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(text(sql), params).mappings()]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


_TABLES = """
SELECT c.relname AS name, CASE c.relkind WHEN 'm' THEN 'materialized view' ELSE 'table' END AS kind,
       pg_total_relation_size(c.oid) AS total_bytes, pg_relation_size(c.oid) AS table_bytes,
       pg_indexes_size(c.oid) AS index_bytes, coalesce(s.n_live_tup, 0) AS rows_estimate,
       coalesce(s.seq_scan, 0) AS seq_scans, coalesce(s.idx_scan, 0) AS index_scans
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm', 'p')
ORDER BY total_bytes DESC, name"""

_INDEXES = """
SELECT s.relname AS table, s.indexrelname AS name, pg_relation_size(s.indexrelid) AS bytes, s.idx_scan AS scans,
       i.indisunique AS is_unique, i.indisprimary AS is_primary,
       s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AS unused
FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
WHERE s.schemaname = 'public'
ORDER BY bytes DESC, name"""

_CACHE = """
SELECT coalesce(sum(heap_blks_hit), 0)::bigint AS table_hits, coalesce(sum(heap_blks_read), 0)::bigint AS table_reads,
       coalesce(sum(idx_blks_hit), 0)::bigint AS index_hits, coalesce(sum(idx_blks_read), 0)::bigint AS index_reads,
       (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS since
FROM pg_statio_user_tables"""

# A running job is alive while its queue entry waits to run again (a snooze, a retry) or is being run by a worker
# with a recent heartbeat; otherwise nothing will ever finish it.
_STUCK_JOBS = """
SELECT j.workspace_id, j.id, j.type, j.started_at, j.locked_by, w.last_heartbeat,
       CASE WHEN q.id IS NULL THEN 'no queue entry'
            WHEN q.worker_id IS NULL THEN 'its worker is gone'
            ELSE 'no heartbeat since ' || to_char(w.last_heartbeat AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' END
         AS reason
FROM jobs j
LEFT JOIN procrastinate.procrastinate_jobs q ON q.id = j.queue_job_id AND q.status IN ('todo', 'doing')
LEFT JOIN procrastinate.procrastinate_workers w ON w.id = q.worker_id
WHERE j.status = 'running'
  AND (q.id IS NULL
       OR (q.status = 'doing' AND (w.id IS NULL OR w.last_heartbeat < now() - make_interval(secs => :stalled))))
ORDER BY j.started_at"""

_QUEUED_TOO_LONG = """
SELECT workspace_id, id, type, created_at, run_after FROM jobs
WHERE status = 'queued' AND run_after < now() - make_interval(mins => :minutes)
ORDER BY run_after"""

_FAILED = """
SELECT 'job' AS source, workspace_id::text AS workspace_id, id::text AS id, type, error_text, finished_at FROM jobs
WHERE status = 'failed' AND finished_at > now() - make_interval(hours => :hours)
UNION ALL
SELECT 'maintenance', NULL, id::text, type, error_text, finished_at FROM system_jobs
WHERE status = 'failed' AND finished_at > now() - make_interval(hours => :hours)
ORDER BY finished_at DESC"""

_BACKLOG = """
SELECT 'jobs' AS source, type AS name, NULL AS queue, count(*) AS waiting,
       min(run_after) FILTER (WHERE run_after <= now()) AS oldest_due
FROM jobs WHERE status = 'queued' GROUP BY type
UNION ALL
SELECT 'queue', task_name, queue_name, count(*), NULL::timestamptz
FROM procrastinate.procrastinate_jobs WHERE status = 'todo' GROUP BY task_name, queue_name
ORDER BY source, name"""

_MAINTENANCE = """
SELECT DISTINCT ON (type) type, status AS last_status, started_at AS last_started_at, finished_at AS last_finished_at,
       error_text AS last_error,
       (SELECT max(finished_at) FROM system_jobs s WHERE s.type = r.type AND s.status = 'succeeded') AS last_success_at
FROM system_jobs r
ORDER BY type, started_at DESC"""

_STUCK_MAINTENANCE = """
SELECT id, type, started_at, worker FROM system_jobs
WHERE status = 'running' AND started_at < now() - make_interval(mins => :minutes)"""


_SLOWEST = """
SELECT left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query, calls,
       round(total_exec_time::numeric, 1) AS total_ms, round(mean_exec_time::numeric, 2) AS mean_ms, rows
FROM {schema}.pg_stat_statements
WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY mean_exec_time DESC LIMIT 10"""


def _slow_statements(conn: Connection) -> dict[str, Any]:
    """The slowest statements by mean time, when the server collects them (pg_stat_statements preloaded).

    Without the extension in this database, it is created inside a savepoint that is rolled back: the server's
    statistics become readable while the schema stays exactly what the migrations made (`db verify`).
    """
    preloaded = "pg_stat_statements" in conn.execute(text("SELECT current_setting('shared_preload_libraries')")).scalar()
    schema = conn.execute(text("SELECT extnamespace::regnamespace::text FROM pg_extension "
                               "WHERE extname = 'pg_stat_statements'")).scalar()
    if not preloaded:
        return {"available": False, "statements": [],
                "reason": "the server does not load pg_stat_statements (add it to shared_preload_libraries and restart)"}
    savepoint = conn.begin_nested()
    try:
        if schema is None:
            conn.execute(text("CREATE EXTENSION pg_stat_statements SCHEMA extensions"))
        rows = _all(conn, _SLOWEST.format(schema=schema or "extensions"))
    except Exception as exc:  # noqa: BLE001 - e.g. not allowed to create the extension: say why, keep the report
        return {"available": False, "statements": [], "reason": str(exc).splitlines()[0]}
    finally:
        savepoint.rollback()
    return {"available": True, "reason": None, "statements": rows}


def _ratio(hits: int, reads: int) -> float | None:
    return round(hits / (hits + reads), 4) if hits + reads else None


def latest_sample(conn: Connection) -> dict[str, Any] | None:
    return conn.execute(text(
        "SELECT result_json FROM system_jobs WHERE type = :t AND status = 'succeeded' AND result_json ? 'tables' "
        "ORDER BY finished_at DESC LIMIT 1"), {"t": SAMPLE_TYPE}).scalar()


def _with_growth(rows: list[dict[str, Any]], size: str, earlier: dict[str, int] | None, days: float | None) -> None:
    for row in rows:
        before = (earlier or {}).get(row["name"])
        row["growth_bytes"] = None if before is None else row[size] - before
        row["growth_bytes_per_day"] = (None if before is None or not days else round((row[size] - before) / days))


def measure(conn: Connection, thresholds: Thresholds | None = None) -> HealthReport:
    """Every figure of `db health`, with the thresholds crossed listed in `problems`."""
    t = thresholds or Thresholds()
    now = conn.execute(text("SELECT now()")).scalar_one()
    tables, indexes = _all(conn, _TABLES), _all(conn, _INDEXES)
    sample = latest_sample(conn)
    days = None
    if sample:
        days = (now - datetime.fromisoformat(sample["taken_at"])).total_seconds() / 86400
    _with_growth(tables, "total_bytes", sample and sample["tables"], days)
    _with_growth(indexes, "bytes", sample and sample.get("indexes"), days)

    cache = _all(conn, _CACHE)[0]
    cache["table_hit_ratio"] = _ratio(cache["table_hits"], cache["table_reads"])
    cache["index_hit_ratio"] = _ratio(cache["index_hits"], cache["index_reads"])
    cache["since"] = _iso(cache["since"])

    jobs = {
        "failed": _all(conn, _FAILED, hours=t.failed_jobs_hours),
        "stuck": _all(conn, _STUCK_JOBS, stalled=t.stalled_after_seconds),
        "queued_too_long": _all(conn, _QUEUED_TOO_LONG, minutes=t.queued_too_long_minutes),
        "maintenance_stuck": _all(conn, _STUCK_MAINTENANCE, minutes=t.maintenance_running_minutes),
        "backlog": _all(conn, _BACKLOG),
    }
    maintenance = _all(conn, _MAINTENANCE)
    refreshed = next((m["last_success_at"] for m in maintenance if m["type"] == "REFRESH_ANALYTICS"), None)
    has_attempts = conn.execute(text("SELECT EXISTS (SELECT 1 FROM attempts)")).scalar_one()
    stale = has_attempts and (refreshed is None or (now - refreshed).total_seconds() > t.views_stale_hours * 3600)
    views = {"last_refresh_at": _iso(refreshed), "stale": bool(stale),
             "age_hours": None if refreshed is None else round((now - refreshed).total_seconds() / 3600, 2)}

    report = HealthReport(
        taken_at=now.isoformat(),
        database_bytes=conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one(),
        tables=tables, indexes=indexes, previous_sample_at=sample["taken_at"] if sample else None, cache=cache,
        slow_statements=_slow_statements(conn), jobs=jobs, maintenance=maintenance, analytics_views=views,
    )
    report.problems = _problems(report, t)
    return report


def _problems(r: HealthReport, t: Thresholds) -> list[str]:
    found = []
    for what in ("table", "index"):
        ratio, reads = r.cache[f"{what}_hit_ratio"], r.cache[f"{what}_hits"] + r.cache[f"{what}_reads"]
        if ratio is not None and reads >= t.cache_min_reads and ratio < t.cache_hit_ratio:
            found.append(f"{what} cache hit ratio {ratio:.3f} < {t.cache_hit_ratio} over {reads} block reads")
    if r.jobs["failed"]:
        found.append(f"{len(r.jobs['failed'])} job(s) or maintenance run(s) failed in the last {t.failed_jobs_hours} h")
    if r.jobs["stuck"]:
        found.append(f"{len(r.jobs['stuck'])} running job(s) stuck (no live worker)")
    if r.jobs["queued_too_long"]:
        found.append(f"{len(r.jobs['queued_too_long'])} job(s) due for over {t.queued_too_long_minutes} min and not started")
    if r.jobs["maintenance_stuck"]:
        found.append(f"{len(r.jobs['maintenance_stuck'])} maintenance run(s) running for over {t.maintenance_running_minutes} min")
    if r.analytics_views["stale"]:
        when = r.analytics_views["last_refresh_at"] or "never"
        found.append(f"analytics views stale: last successful REFRESH_ANALYTICS {when} (limit {t.views_stale_hours} h)")
    return found


def take_sample(owner: Engine) -> dict[str, Any]:
    """Sizes of every table and index now, with the growth since the previous sample (the HEALTH_SAMPLE result)."""
    with owner.connect() as conn:
        now = conn.execute(text("SELECT now()")).scalar_one()
        tables = {row["name"]: row["total_bytes"] for row in _all(conn, _TABLES)}
        indexes = {row["name"]: row["bytes"] for row in _all(conn, _INDEXES)}
        previous = latest_sample(conn)
        database = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    result: dict[str, Any] = {"taken_at": now.isoformat(), "database_bytes": database, "tables": tables,
                              "indexes": indexes}
    if previous:
        days = (now - datetime.fromisoformat(previous["taken_at"])).total_seconds() / 86400
        grown = database - previous.get("database_bytes", database)
        result["since"] = previous["taken_at"]
        result["database_growth_bytes"] = grown
        result["database_growth_bytes_per_day"] = round(grown / days) if days else None
    return result
