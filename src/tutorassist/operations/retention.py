"""Data retention (seed Appendix C): what is moved, rolled up or deleted once it is old, in short transactions.

Every rule works in batches of `Policy.batch_size` rows, each batch one statement in its own transaction that takes
rows and puts them where they go (INSERT ... SELECT ... FROM (DELETE ... RETURNING)): a run killed mid-way has moved
whole batches and nothing else, and the next run carries on. A second run right after the first finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tutorassist.config import Settings, get_settings


@dataclass(frozen=True)
class Policy:
    attempts_days: int = 730
    question_history_days: int = 365
    jobs_days: int = 90
    ai_usage_days: int = 365
    audit_hot_years: int = 1
    audit_years: int = 7
    batch_size: int = 10_000

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            least = 0 if name == "audit_hot_years" else 1
            if not isinstance(value, int) or value < least:
                raise ValueError(f"retention {name} must be a whole number >= {least}, not {value!r}")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Policy:
        s = settings or get_settings()
        return cls(s.retention_attempts_days, s.retention_question_history_days, s.retention_jobs_days,
                   s.retention_ai_usage_days, s.retention_audit_hot_years, s.retention_audit_years,
                   s.retention_batch_size)

    def params(self) -> dict[str, int]:
        return asdict(self)


# Columns of attempts, in the order attempts_archive repeats them (a test keeps the two tables equal).
ATTEMPT_COLUMNS = (
    "workspace_id", "id", "student_user_id", "question_id", "assignment_id", "client_request_id", "answer_raw",
    "answer_parsed", "is_correct", "score", "feedback_json", "error_taxonomy_json", "time_spent_seconds", "hints_viewed",
    "context_json", "submitted_at", "created_at", "question_version",
)
AUDIT_COLUMNS = ("workspace_id", "id", "actor_user_id", "action", "entity_type", "entity_id", "before_json",
                 "after_json", "changed_fields", "transaction_id", "occurred_at")
_ATTEMPTS = ", ".join(ATTEMPT_COLUMNS)
_AUDIT = ", ".join(AUDIT_COLUMNS)

# Attempts that tutor feedback or a question flag names stay where they are: those rows point at attempts by a
# foreign key, and moving the attempt would delete the feedback or clear the flag's reference.
_OLD_ATTEMPTS = """
  a.workspace_id = :workspace AND a.submitted_at < now() - make_interval(days => :attempts_days)
  AND NOT EXISTS (SELECT 1 FROM tutor_feedback f WHERE f.workspace_id = a.workspace_id AND f.attempt_id = a.id)
  AND NOT EXISTS (SELECT 1 FROM question_flags g WHERE g.workspace_id = a.workspace_id AND g.attempt_id = a.id)"""
_AUDIT_HOT_SINCE = "date_trunc('year', now(), 'UTC') - make_interval(years => :audit_hot_years)"
_AUDIT_KEPT_SINCE = "now() - make_interval(years => :audit_years)"
_AI_USAGE_SINCE = "now() - make_interval(days => :ai_usage_days)"
_HISTORY_SINCE = "now() - make_interval(days => :question_history_days)"
_JOBS_SINCE = "now() - make_interval(days => :jobs_days)"
_QUEUE_ENDED = "('succeeded', 'failed', 'cancelled', 'aborted')"
# A queue entry ended when its last event happened (an entry without events is left alone: its end is unknown).
_OLD_QUEUE_JOBS = f"""
  j.status IN {_QUEUE_ENDED}
  AND (SELECT max(e.at) FROM procrastinate.procrastinate_events e WHERE e.job_id = j.id) < {_JOBS_SINCE}"""


@dataclass(frozen=True)
class Rule:
    name: str
    action: str  # what happens to a row the rule takes
    count_sql: str
    batch_sql: str
    per_workspace: bool = False
    archiving: bool = False  # the batch runs with tutorassist.archiving = on (derived state left as it is)


RULES: tuple[Rule, ...] = (
    Rule("attempts", "moved to attempts_archive",
         f"SELECT count(*) FROM attempts a WHERE {_OLD_ATTEMPTS}",
         f"""WITH picked AS (
               SELECT a.workspace_id, a.id FROM attempts a WHERE {_OLD_ATTEMPTS}
               LIMIT :batch_size FOR UPDATE SKIP LOCKED
             ), moved AS (
               DELETE FROM attempts a USING picked p WHERE a.workspace_id = p.workspace_id AND a.id = p.id
               RETURNING a.*
             )
             INSERT INTO attempts_archive ({_ATTEMPTS}) SELECT {_ATTEMPTS} FROM moved""",
         per_workspace=True, archiving=True),
    Rule("audit_log", "moved to audit_log_archive",
         f"SELECT count(*) FROM audit_log WHERE occurred_at < {_AUDIT_HOT_SINCE}",
         f"""WITH picked AS (
               SELECT workspace_id, id FROM audit_log WHERE occurred_at < {_AUDIT_HOT_SINCE}
               LIMIT :batch_size FOR UPDATE SKIP LOCKED
             ), moved AS (
               DELETE FROM audit_log l USING picked p WHERE l.workspace_id = p.workspace_id AND l.id = p.id
               RETURNING l.*
             )
             INSERT INTO audit_log_archive ({_AUDIT}) SELECT {_AUDIT} FROM moved"""),
    Rule("audit_log_archive", "deleted",
         f"SELECT count(*) FROM (SELECT occurred_at FROM audit_log_archive UNION ALL "
         f"SELECT occurred_at FROM audit_log WHERE occurred_at < {_AUDIT_HOT_SINCE}) r WHERE occurred_at < {_AUDIT_KEPT_SINCE}",
         f"""DELETE FROM audit_log_archive WHERE (workspace_id, id) IN (
               SELECT workspace_id, id FROM audit_log_archive WHERE occurred_at < {_AUDIT_KEPT_SINCE} LIMIT :batch_size)"""),
    Rule("ai_usage_log", "summed into ai_usage_monthly and deleted",
         f"SELECT count(*) FROM ai_usage_log WHERE created_at < {_AI_USAGE_SINCE}",
         f"""WITH picked AS (
               SELECT workspace_id, id FROM ai_usage_log WHERE created_at < {_AI_USAGE_SINCE}
               LIMIT :batch_size FOR UPDATE SKIP LOCKED
             ), gone AS (
               DELETE FROM ai_usage_log u USING picked p WHERE u.workspace_id = p.workspace_id AND u.id = p.id
               RETURNING u.*
             ), summed AS (
               INSERT INTO ai_usage_monthly AS m (workspace_id, month, provider, model, operation_type, calls,
                                                  failed_calls, tokens_input, tokens_output, tokens_total, cost_usd)
               SELECT workspace_id, date_trunc('month', created_at AT TIME ZONE 'UTC')::date,
                      coalesce(nullif(metadata ->> 'provider', ''), 'unrecorded'), model, operation_type, count(*),
                      count(*) FILTER (WHERE NOT success), coalesce(sum(tokens_input), 0),
                      coalesce(sum(tokens_output), 0), coalesce(sum(tokens_total), 0), coalesce(sum(cost_usd), 0)
               FROM gone GROUP BY 1, 2, 3, 4, 5
               ON CONFLICT (workspace_id, month, provider, model, operation_type) DO UPDATE SET
                 calls = m.calls + EXCLUDED.calls, failed_calls = m.failed_calls + EXCLUDED.failed_calls,
                 tokens_input = m.tokens_input + EXCLUDED.tokens_input,
                 tokens_output = m.tokens_output + EXCLUDED.tokens_output,
                 tokens_total = m.tokens_total + EXCLUDED.tokens_total, cost_usd = m.cost_usd + EXCLUDED.cost_usd
             )
             SELECT count(*) FROM gone""",
         archiving=True),
    Rule("question_history", "deleted",
         f"SELECT count(*) FROM question_history WHERE changed_at < {_HISTORY_SINCE}",
         f"""DELETE FROM question_history WHERE (workspace_id, id) IN (
               SELECT workspace_id, id FROM question_history WHERE changed_at < {_HISTORY_SINCE} LIMIT :batch_size)"""),
    Rule("jobs", "deleted",
         f"SELECT count(*) FROM jobs WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < {_JOBS_SINCE}",
         f"""DELETE FROM jobs WHERE (workspace_id, id) IN (
               SELECT workspace_id, id FROM jobs
               WHERE status IN ('succeeded', 'failed', 'cancelled') AND finished_at < {_JOBS_SINCE}
               LIMIT :batch_size FOR UPDATE SKIP LOCKED)"""),
    Rule("system_jobs", "deleted",
         f"SELECT count(*) FROM system_jobs WHERE finished_at < {_JOBS_SINCE}",
         f"""DELETE FROM system_jobs WHERE id IN (
               SELECT id FROM system_jobs WHERE finished_at < {_JOBS_SINCE} LIMIT :batch_size)"""),
    Rule("queue_jobs", "deleted with their events",
         f"SELECT count(*) FROM procrastinate.procrastinate_jobs j WHERE {_OLD_QUEUE_JOBS}",
         f"""DELETE FROM procrastinate.procrastinate_jobs WHERE id IN (
               SELECT j.id FROM procrastinate.procrastinate_jobs j WHERE {_OLD_QUEUE_JOBS}
               LIMIT :batch_size FOR UPDATE SKIP LOCKED)"""),
)
RULE_NAMES = tuple(rule.name for rule in RULES)


def _workspaces(conn: Connection) -> list:
    return list(conn.execute(text("SELECT id FROM workspaces ORDER BY id")).scalars())


def plan(conn: Connection, policy: Policy) -> dict[str, int]:
    """Rows each rule would take now (the dry run); changes nothing."""
    counts: dict[str, int] = {}
    workspaces = _workspaces(conn)
    for rule in RULES:
        if rule.per_workspace:
            counts[rule.name] = sum(conn.execute(text(rule.count_sql), policy.params() | {"workspace": w}).scalar_one()
                                    for w in workspaces)
        else:
            counts[rule.name] = conn.execute(text(rule.count_sql), policy.params()).scalar_one()
    return counts


Progress = Callable[[str, int], None]


def _batch(owner: Engine, rule: Rule, params: dict) -> int:
    with owner.begin() as conn:
        if rule.archiving:
            conn.execute(text("SET LOCAL tutorassist.archiving = 'on'"))
        result = conn.execute(text(rule.batch_sql), params)
        return result.scalar_one() if result.returns_rows else result.rowcount


def _run_rule(owner: Engine, rule: Rule, policy: Policy, workspaces: list, progress: Progress) -> int:
    done = 0
    for params in ([policy.params() | {"workspace": w} for w in workspaces] if rule.per_workspace else [policy.params()]):
        while True:
            taken = _batch(owner, rule, params)
            done += taken
            if taken:
                progress(rule.name, taken)
            # Fewer than a batch: the rule is done here (rows locked by someone else wait for the next run).
            if taken < policy.batch_size:
                break
    return done


def apply(owner: Engine, policy: Policy, progress: Progress | None = None) -> dict[str, int]:
    """Applies every rule in batches; returns the rows each took. `progress(rule, rows)` after every batch."""
    with owner.connect() as conn:
        workspaces = _workspaces(conn)
    report = progress or (lambda _rule, _rows: None)
    return {rule.name: _run_rule(owner, rule, policy, workspaces, report) for rule in RULES}


ACTIONS = {rule.name: rule.action for rule in RULES}
