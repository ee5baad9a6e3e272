"""The parts of the audit that need no database: suppressions, policy expressions, foreign-key coverage, levels."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorassist.operations.audit.checks.indexes import covers_foreign_key
from tutorassist.operations.audit.checks.policy_text import always_true, unwrapped_calls
from tutorassist.operations.audit.findings import Finding, Level, exit_code
from tutorassist.operations.audit.suppressions import Suppression, SuppressionError, apply, load

REPO = Path(__file__).resolve().parents[2]


def finding(key: str, level: Level = Level.WARNING) -> Finding:
    return Finding(level, "indexes", "public.x", "detail", "fix", key)


@pytest.mark.parametrize(("levels", "code"), [
    ([], 0), ([Level.INFO], 0), ([Level.INFO, Level.WARNING], 1), ([Level.WARNING, Level.ERROR, Level.INFO], 2)])
def test_exit_code_is_the_worst_level(levels, code):
    assert exit_code([finding(f"k{i}", level) for i, level in enumerate(levels)]) == code


def test_committed_suppressions_file_loads_and_gives_reasons():
    accepted = load(REPO / "db-audit-suppressions.toml")
    assert accepted and all(len(s.reason) > 40 for s in accepted)


def test_missing_file_means_no_suppressions(tmp_path):
    assert load(tmp_path / "absent.toml") == []


@pytest.mark.parametrize(("text", "message"), [
    ("[[suppress]\nkey = 1", "not valid TOML"),
    ('[[suppress]]\nkey = "a:b"', "exactly the keys 'key' and 'reason'"),
    ('[[suppress]]\nkey = "a:b"\nreason = "  "', "'reason' must say why"),
    ('[[suppress]]\nkey = ""\nreason = "r"', "'key' must be a non-empty string"),
    ('[[suppress]]\nkey = "a:b"\nreason = "r"\nextra = 1', "exactly the keys"),
    ('[[suppress]]\nkey = "a:b"\nreason = "r"\n[[suppress]]\nkey = "a:b"\nreason = "s"', "suppressed twice"),
    ('suppress = "a:b"', "must be an array of tables"),
    ('[ignore]\nkey = "a:b"', "unknown top-level key(s) ignore"),
    (None, "not valid TOML"),
])
def test_malformed_suppressions_are_refused_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "s.toml"
    if text is None:  # not UTF-8 at all
        path.write_bytes(b"\xff\xfe[[suppress]]")
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(SuppressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(path)


def test_suppression_hides_its_finding_and_an_unmatched_one_is_reported():
    findings = [finding("a:1"), finding("b:2", Level.ERROR)]
    kept, suppressed = apply(findings, [Suppression("b:2", "accepted"), Suppression("c:3", "stale")])
    assert [f.key for f in suppressed] == ["b:2"]
    assert [(f.key, f.level) for f in kept] == [("a:1", Level.WARNING), ("unused_suppression:c:3", Level.INFO)]
    assert exit_code(kept) == 1


# --------------------------------------------------------------------------- policy expressions as pg_get_expr prints them

HELPERS = st.sampled_from(["app.staff_workspace", "app.acting_workspace", "app.learner_user_id",
                           "app.practising_student_id", "current_setting"])
COLUMNS = st.sampled_from(["workspace_id", "student_user_id", "id"])


def wrapped(helper: str) -> str:
    alias = helper.split(".")[-1]
    return f"( SELECT {helper}() AS {alias})"


@given(st.lists(st.tuples(COLUMNS, HELPERS, st.booleans()), min_size=1, max_size=4))
def test_unwrapped_calls_are_exactly_the_bare_ones(terms):
    expression = " AND ".join(
        f"({column} = {wrapped(helper) if is_wrapped else helper + '()'})" for column, helper, is_wrapped in terms)
    assert unwrapped_calls(expression) == [helper for _, helper, is_wrapped in terms if not is_wrapped]


def test_unwrapped_calls_read_real_policies():
    assert unwrapped_calls("(workspace_id = ( SELECT app.staff_workspace() AS staff_workspace))") == []
    assert unwrapped_calls("((workspace_id = app.acting_workspace()) AND (x = ( SELECT app.learner_user_id() AS l)))") \
        == ["app.acting_workspace"]
    assert unwrapped_calls("(owner = (current_setting('app.user_id'::text))::uuid)") == ["current_setting"]
    assert unwrapped_calls(None) == []


@given(st.sampled_from(["true", "1=1", "1 = 1", "TRUE"]), st.integers(0, 3), st.sampled_from(["", " ", "\n"]))
def test_always_true_sees_through_parentheses_and_spacing(core, depth, space):
    assert always_true("(" * depth + space + core + space + ")" * depth)


@pytest.mark.parametrize("expression", [None, "(workspace_id = ( SELECT app.staff_workspace() AS s))", "(true = x)",
                                        "(1 = 1) AND (workspace_id = y)", "false"])
def test_always_true_is_not_fooled(expression):
    assert not always_true(expression)


@pytest.mark.parametrize(("predicate", "columns", "covers"), [
    (None, ["user_id"], True),
    ("(user_id IS NOT NULL)", ["user_id"], True),
    ("((assignment_id IS NOT NULL) AND (question_id IS NOT NULL))", ["workspace_id", "assignment_id", "question_id"], True),
    ("(is_correct IS NOT NULL)", ["student_user_id"], False),
    ("((worker_id IS NOT NULL) AND (status = 'doing'::text))", ["worker_id"], False),
    ("done", ["user_id"], False),
])
def test_partial_index_covers_a_foreign_key_only_when_it_drops_null_keys(predicate, columns, covers):
    assert covers_foreign_key(predicate, columns) is covers
