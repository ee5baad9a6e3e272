"""A scale-S generate + run: proves the benchmark works end to end. It asserts no timings, only that every operation
produced figures and that the generated data is consistent (counts, derived data, invariants, `db verify`)."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import psycopg
import pytest
from rich.console import Console

from benchmarks import generate, run
from benchmarks.content import templates
from benchmarks.database import BenchmarkError, recreate, with_database
from benchmarks.scales import SCALES
from benchmarks.simulate import Workspace
from tutorassist.questions.contracts import ANSWER_TYPES

SCALE = SCALES["S"]
CLIENTS, PER_CLIENT, ITERATIONS = 4, 2, 1
AS_OF = datetime(2026, 6, 1, tzinfo=timezone.utc)


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=160)


@pytest.fixture(scope="module")
def bench(pg_server, tmp_path_factory):
    """Scale S generated into its own database of the test server, then measured once (a few iterations)."""
    url = with_database(pg_server, "ta_bench_scale_s")
    generated = generate.generate(SCALE, url, seed=11, as_of=date(2026, 6, 1), console=_quiet())
    docs = tmp_path_factory.mktemp("docs") / "performance.md"
    docs.write_text("# Figures measured\n\nSomething written by hand.\n")
    result = run.run(SCALE, url, iterations=ITERATIONS, clients=CLIENTS, per_client=PER_CLIENT, docs=docs, console=_quiet())
    yield generated, result, docs
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute('DROP DATABASE IF EXISTS "ta_bench_scale_s" WITH (FORCE)')


def _scalar(url: str, sql: str):
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchone()[0]


def test_every_table_holds_what_the_generator_counted(bench):
    generated, result, _docs = bench
    # The run's submissions (through the API and the bare-SQL replay) and the one attempt whose SQL it captured.
    api_attempts = 2 * CLIENTS * PER_CLIENT + 1
    for table, rows in generated.counts.rows.items():
        expected = rows + (api_attempts - result.submissions.failed if table in ("attempts", "review_events") else 0)
        if table == "assignments":  # the run built one per iteration of "assignment build by rule"
            assert _scalar(generated.url, "SELECT count(*) FROM assignments WHERE status <> 'draft'") == rows
        elif table in ("assignment_items", "spaced_repetition", "users"):
            assert _scalar(generated.url, f"SELECT count(*) FROM {table}") >= rows
        else:
            assert _scalar(generated.url, f"SELECT count(*) FROM {table}") == expected, table
    assert generated.counts.rows["attempts"] > 0.9 * SCALE.attempts
    assert generated.counts.rows["workspaces"] == SCALE.workspaces


def test_the_data_is_consistent(bench):
    generated, _result, _docs = bench
    url = generated.url
    assert {r for r in _scalar(url, "SELECT array_agg(DISTINCT answer_type) FROM questions")} == set(ANSWER_TYPES)
    # Derived data is exact: reconciling finds nothing to fix, re-deriving progress changes nothing.
    assert _scalar(url, "SELECT app.reconcile_question_stats(NULL)") == 0
    progress = ("SELECT md5(string_agg(concat_ws(',', id, total_items, completed_count, total_score, max_score, "
                "started_at, status), ';' ORDER BY id)) FROM assignments")
    before = _scalar(url, progress)
    _scalar(url, "SELECT count(app.refresh_assignment_progress(workspace_id, id)) FROM assignments")
    assert _scalar(url, progress) == before
    assert _scalar(url, "SELECT count(*) FROM assignments WHERE status IN ('in_progress', 'completed')") > 0
    # Every assignment attempt answers an item of an assignment of that same student (what the trigger enforces).
    assert _scalar(url, """SELECT count(*) FROM attempts a JOIN assignments s ON s.workspace_id = a.workspace_id
        AND s.id = a.assignment_id JOIN student_profiles p ON p.workspace_id = s.workspace_id AND p.id = s.student_profile_id
        WHERE p.user_id <> a.student_user_id""") == 0
    # Every graded attempt has its review event, every (student, question) answered has its card.
    assert _scalar(url, "SELECT count(*) FROM attempts a WHERE NOT EXISTS (SELECT 1 FROM review_events e "
                        "WHERE e.workspace_id = a.workspace_id AND e.attempt_id = a.id)") == 0
    assert _scalar(url, "SELECT count(*) FROM (SELECT DISTINCT workspace_id, student_user_id, question_id FROM attempts) x "
                        "WHERE NOT EXISTS (SELECT 1 FROM spaced_repetition c WHERE (c.workspace_id, c.student_user_id, "
                        "c.question_id) = (x.workspace_id, x.student_user_id, x.question_id))") == 0
    # Plausible correctness: neither everything right nor everything wrong, and harder questions go worse.
    rate = float(_scalar(url, "SELECT avg(is_correct::int) FROM attempts"))
    assert 0.3 < rate < 0.95
    easy, hard = (float(_scalar(url, f"SELECT avg(a.is_correct::int) FROM attempts a JOIN questions q ON q.workspace_id = "
                                     f"a.workspace_id AND q.id = a.question_id WHERE q.difficulty {c}")) for c in ("<= 2", ">= 4"))
    assert easy > hard
    # The largest workspace is the largest.
    assert _scalar(url, "SELECT count(*) FROM (SELECT workspace_id FROM attempts GROUP BY 1 HAVING count(*) > "
                        "(SELECT count(*) FROM attempts a JOIN workspaces w ON w.id = a.workspace_id JOIN users u "
                        "ON u.id = w.owner_user_id WHERE u.email = 'ws000-owner@bench.example')) x") == 0


def test_every_operation_produced_figures(bench):
    _generated, result, _docs = bench
    names = [f.operation.name for f in result.figures]
    assert len(names) == len(set(names)) == 12
    for f in result.figures:
        if f.operation.name == "student dashboard" and not result.dashboard_available:
            assert f.note == "not available"
            continue
        assert f.api.n == f.rls.n == f.owner.n == ITERATIONS, f.operation.name
        for value in (f.api.p50, f.api.p95, f.rls.p50, f.owner.p95, f.first_rls, f.twentieth_rls, f.first_owner,
                      f.twentieth_owner):
            assert value > 0, f.operation.name
        assert f.statements >= 2, f.operation.name  # at least the acting user and the operation's own query


def test_submissions_hot_ratio_refresh_and_verify(bench):
    _generated, result, _docs = bench
    t = result.submissions
    assert (t.clients, t.per_client) == (CLIENTS, PER_CLIENT)
    # On a busy machine the answer checker may run out of time (422, recorded as refused); never anything else.
    assert all(why.startswith("422 ") for why in t.api_failures), t.api_failures
    assert t.failed < CLIENTS * PER_CLIENT
    assert t.api_per_second > 0 and t.sql_per_second > 0 and t.api.n == t.sql.n == CLIENTS * PER_CLIENT
    submitted = 2 * CLIENTS * PER_CLIENT - t.failed
    assert result.hot["attempts"][0] == submitted
    assert result.hot["review_events"][0] == submitted
    inserted, updated, _hot = result.hot["spaced_repetition"]
    assert inserted + updated == submitted  # each graded attempt creates its card or updates it, once
    assert result.refresh_seconds > 0
    assert result.verify_exit == 0, result.verify_output
    assert result.machine["postgresql"] and int(result.machine["cores"]) >= 1


def test_the_markdown_section_is_written_and_replaced(bench):
    _generated, result, docs = bench
    text = docs.read_text()
    assert text.startswith("# Figures measured\n\nSomething written by hand.")
    assert text.count("<!-- benchmark:S -->") == 1
    for f in result.figures:
        assert f"| {f.operation.name} |" in text
    run.report.write_docs(result, docs)  # a second run replaces the section
    assert docs.read_text() == text


def test_generation_is_deterministic_by_seed():
    def rows(seed: int) -> tuple[list[tuple], Workspace]:
        out: list[tuple] = []
        ws = Workspace(SCALE, seed, 1, 0.2, AS_OF, "hash", lambda table, row: out.append((table, row)))
        ws.run()
        return out, ws

    first, ws = rows(5)
    assert first == rows(5)[0]
    assert first != rows(6)[0]
    attempts = sum(1 for table, _ in first if table == "attempts")
    assert abs(attempts - ws.n_attempts) <= ws.n_students  # each student's budget is rounded
    assert all(row[-2] < AS_OF for table, row in first if table == "attempts")  # submitted within the year


def test_every_template_has_a_right_and_a_wrong_answer():
    # templates() grades both answers with the real checker and refuses a template whose verdict differs.
    assert {t.answer_type for t in templates()} == set(ANSWER_TYPES)
    assert all(t.right.answer != t.wrong.answer and t.right.notes != t.wrong.notes for t in templates())


def test_refuses_to_drop_a_database_it_did_not_make(db_url, owner):
    owner.execute("INSERT INTO workspaces (name) VALUES ('real tutoring business')")
    with pytest.raises(BenchmarkError, match="not made by the benchmark"):
        recreate(db_url, "scale S")
    assert owner.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 1
    assert generate.main(["--scale", "S", "--database-url", db_url]) == 2


def test_run_needs_a_generated_database(db_url, capsys):
    assert run.main(["--scale", "S", "--database-url", db_url, "--no-docs"]) == 2
    assert "benchmarks.generate --scale S" in capsys.readouterr().out.replace("\n", "")


def test_run_refuses_nonsense_options(capsys):
    assert run.main(["--scale", "S", "--clients", "0"]) == 2
    assert "at least 1" in capsys.readouterr().out


@pytest.mark.parametrize("url", ["notaurl", "mysql://h/db", "postgresql://host", "postgresql://host/"])
def test_a_database_url_that_is_not_one_is_refused(url, capsys):
    assert generate.main(["--scale", "S", "--database-url", url]) == 2
    assert run.main(["--scale", "S", "--database-url", url, "--no-docs"]) == 2
    assert "--database-url must be postgresql://" in capsys.readouterr().out.replace("\n", "")


def test_the_analytics_benchmark_measures_every_report_and_maintenance(bench, pg_server, tmp_path):
    from benchmarks import analytics

    url = with_database(pg_server, "ta_bench_scale_s")
    docs = tmp_path / "performance.md"
    docs.write_text("# Figures\n")
    measured = analytics.run(SCALE, url, 1, docs, _quiet())
    reports, raws, jobs = measured
    assert len(reports) >= 19 and all(r.api and r.rls and r.owner and r.statements > 0 for r in reports)
    assert all(q.seconds for q in raws)
    assert [j.name for j in jobs][0].startswith("REFRESH_ANALYTICS") and all(j.seconds > 0 for j in jobs)
    assert all(j.reads > 0 for j in jobs)  # the reader ran beside every maintenance
    assert {j.name: j.note for j in jobs}["db audit"].endswith("error 0")  # a generated database has no error finding
    text = docs.read_text()
    assert "### Analytics, scale S" in text and text.count("| student accuracy, weekly, a year |") == 1
