"""verify_candidate: what the generation pipeline asks of every candidate. Deliberately wrong candidates (wrong root,
wrong derivative, wrong value, unparseable spec or CAS check, bad LaTeX) are refused with a reason in words; right
ones in every answer shape are accepted; garbage never raises (property tests); the recomputation runs in the answer
checker's worker pool under a time limit and the worker is replaced after a timeout."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorassist.ai.candidate import QuestionCandidate
from tutorassist.ai.verify import Verification, latex_problem, verify_candidate
from tutorassist.demo.content import QUESTIONS
from tutorassist.learning.cas import limits


def cand(prompt: str, spec: dict, kind: str | None = None, expression: str = "", variables: tuple = ("x",),
         **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"prompt_latex": prompt, "answer_type": spec["type"], "answer_spec": spec,
                            "hints": ["Think."], "solution_latex": "$x$", "difficulty": 2, **extra}
    if kind:
        item["cas_check"] = {"kind": kind, "expression": expression, "variables": list(variables)}
    return item


EQ = {"type": "equation", "value": "x = 2", "variables": ["x"]}

WRONG = [
    ("wrong root", cand("Solve $2x + 3 = 7$.", {**EQ, "value": "x = 3"}, "solve", "2x+3=7"),
     (True, True, False), "the stated answer x = 3 does not solve 2x+3=7 (x = 2)"),
    ("missing root", cand("Solve $x^2 - 5x + 6 = 0$.", {"type": "set", "elements": ["2"]}, "solve", "x^2-5x+6=0"),
     (True, True, False), "the stated answer {2} misses a solution of x^2-5x+6=0 (x = 2 or x = 3)"),
    ("extra root", cand("Solve $x^2 = 4$.", {"type": "set", "elements": ["2", "-2", "4"]}, "solve", "x^2=4"),
     (True, True, False), "does not solve x^2=4 (x = -2 or x = 2)"),
    ("no real root", cand("Solve $x^2 + 1 = 0$.", {"type": "set", "elements": ["1"]}, "solve", "x^2+1=0"),
     (True, True, False), "(no real solution)"),
    ("wrong derivative", cand("Differentiate $x^3$.", {"type": "expression", "value": "3x", "variables": ["x"]},
                              "differentiate", "x^3"),
     (True, True, False), "the stated answer 3x is not the derivative of x^3 with respect to x (3*x^2)"),
    ("wrong value", cand("Find $25\\%$ of $80$.", {"type": "number", "value": "21"}, "evaluate", "25/100*80", ()),
     (True, True, False), "the stated answer 21 is not the value of 25/100*80 (20)"),
    ("outside the tolerance", cand("Give $\\frac{1}{3}$ to 2 d.p.",
                                   {"type": "number", "value": "0.34", "decimal_places": 2}, "evaluate", "1/3", ()),
     (True, True, False), "is not the value of 1/3 (1/3)"),
    ("wrong direction", cand("Solve $2x + 3 > 11$.", {"type": "inequality", "value": "x < 4", "variables": ["x"]},
                             "solve", "2x+3>11"),
     (True, True, False), "the stated answer x < 4 does not solve 2x+3>11 (x > 4)"),
    ("wrong interval", cand("Solve $x^2 < 4$.", {"type": "interval", "value": "[-2, 2]"}, "solve", "x^2<4"),
     (True, True, False), "(-2 < x < 2)"),
    ("swapped system", cand("Solve the system.", {"type": "list", "elements": ["1", "3"], "ordered": True}, "solve",
                            "2x+y=7; x-y=2", ("x", "y")),
     (True, True, False), "the stated answer [1, 3] does not solve 2x+y=7; x-y=2 (x = 3, y = 1)"),
    ("wrong choice", cand("What is $2 + 2$?", {"type": "multiple_choice", "correct_ids": ["b"],
                                              "choices": [{"id": "a", "latex": "$4$"}, {"id": "b", "latex": "$5$"}]},
                          "evaluate", "2+2", ()),
     (True, True, False), "the stated answer $5$ is not the value of 2+2 (4)"),
    ("unparseable spec", cand("Solve $2x + 3 = 7$.", {**EQ, "value": "x = +*"}, "solve", "2x+3=7"),
     (True, False, None), "answer_spec.value: the answer checker does not accept this as an answer"),
    ("invalid spec", cand("Solve $2x + 3 = 7$.", {"type": "equation", "value": "2"}, "solve", "2x+3=7"),
     (True, False, None), "the answer specification is not valid"),
    ("type mismatch", {**cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7"), "answer_type": "number"},
     (True, False, None), "the answer type number does not match the specification's type equation"),
    ("unparseable CAS check", cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+*3=7"),
     (True, True, None), "the CAS check '2x+*3=7' could not be parsed"),
    ("CAS check of the wrong shape", cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3"),
     (True, True, None), "to solve, the CAS check must be equations or inequalities"),
    ("huge CAS check", cand("Find it.", {"type": "number", "value": "2"}, "evaluate", "9^9^9^9", ()),
     (True, True, None), "the CAS check is too complex to compute"),
    ("division by zero", cand("Find it.", {"type": "number", "value": "2"}, "evaluate", "1/0", ()),
     (True, True, None), "the CAS check divides by zero"),
    ("unclosed brace", cand("Solve $\\frac{1}{2 x = 1$.", EQ, "solve", "x/2=1"),
     (False, True, True), "the prompt: an opening brace { is never closed"),
    ("unclosed formula", cand("Solve $2x + 3 = 7.", EQ, "solve", "2x+3=7"),
     (False, True, True), "the prompt: the formula opened by $ is never closed"),
    ("unknown command", cand("Solve $\\fract{x}{2} = 1$.", EQ, "solve", "x/2=1"),
     (False, True, True), "the prompt: unknown command \\fract"),
    ("bad hint", {**cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7"), "hints": ["ok", "$x^$"]},
     (False, True, True), "hint 2: a superscript or subscript is missing"),
    ("bad solution", {**cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7"), "solution_latex": "$\\left(x$"},
     (False, True, True), "the solution: \\left and \\right do not pair up"),
    ("empty prompt", cand("$$ $$", EQ, "solve", "2x+3=7"), (False, True, True), "the prompt is empty"),
]


@pytest.mark.parametrize("name, item, checks, reason", WRONG, ids=[w[0] for w in WRONG])
def test_a_wrong_candidate_is_refused_with_its_reason(name: str, item: dict, checks: tuple, reason: str) -> None:
    result = verify_candidate(item)
    assert result.ok is False
    assert (result.checks["latex_valid"], result.checks["answer_parseable"], result.checks["answer_verified"]) == checks
    assert result.reason is not None and reason in result.reason, result.reason


RIGHT = [
    ("equation", cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7")),
    ("equation as a set", cand("Solve $2x + 3 = 7$.", {"type": "set", "elements": ["2"]}, "solve", "2x+3=7")),
    ("equation as a number", cand("Solve $2x + 3 = 7$.", {"type": "number", "value": "2.0"}, "solve", "2x+3=7")),
    ("value on the left", cand("Solve $2x + 3 = 7$.", {**EQ, "value": "2 = x"}, "solve", "2x + 3 = 7")),
    ("LaTeX in the check", cand("Solve.", EQ, "solve", "\\frac{x}{2} + 3 = 4")),
    ("repeated root", cand("Solve $(x-1)^2 = 0$.", {"type": "set", "elements": ["1"]}, "solve", "(x-1)^2=0")),
    ("surd roots", cand("Solve $x^2 = 2$.", {"type": "set", "elements": ["\\sqrt{2}", "-sqrt(2)"]}, "solve",
                        "x^2 = 2")),
    ("no real root", cand("Solve $x^2 + 1 = 0$.", {"type": "set", "elements": []}, "solve", "x^2+1=0")),
    ("unordered system", cand("Solve.", {"type": "set", "elements": ["1", "3"]}, "solve", "2x+y=7; x-y=2",
                              ("x", "y"))),
    ("ordered system", cand("Solve.", {"type": "list", "elements": ["3", "1"]}, "solve", "2x+y=7; x-y=2",
                            ("x", "y"))),
    ("inequality", cand("Solve $-2x > 8$.", {"type": "inequality", "value": "x < -4", "variables": ["x"]}, "solve",
                        "-2x > 8")),
    ("inequality as an interval", cand("Solve $x^2 < 4$.", {"type": "interval", "value": "(-2, 2)"}, "solve",
                                       "x^2 < 4")),
    ("value", cand("Find $25\\%$ of $80$.", {"type": "number", "value": "20"}, "evaluate", "25/100*80", ())),
    ("rounded value", cand("Give $\\frac{1}{3}$ to 2 d.p.", {"type": "number", "value": "0.33", "decimal_places": 2},
                           "evaluate", "1/3", ())),
    ("value within tolerance", cand("Find $\\pi$.", {"type": "number", "value": "3.14", "tolerance_abs": 0.01},
                                    "evaluate", "pi", ())),
    ("fraction", cand("Compute $\\frac{1}{2} + \\frac{1}{3}$.", {"type": "expression", "value": "\\frac{5}{6}"},
                      "evaluate", "1/2 + 1/3", ())),
    ("derivative", cand("Differentiate $\\sin(x^2)$.", {"type": "expression", "value": "2x\\cos(x^2)",
                                                       "variables": ["x"]}, "differentiate", "sin(x^2)")),
    ("Greek variable", cand("Differentiate $\\sin\\theta$.", {"type": "expression", "value": "\\cos(\\theta)"},
                            "differentiate", "\\sin(\\theta)", ("\\theta",))),
    ("derivative without variables", cand("Differentiate.", {"type": "expression", "value": "3t^2"},
                                          "differentiate", "t^3", ())),
    ("choice", cand("What is $2 + 2$?", {"type": "multiple_choice", "correct_ids": ["a"],
                                        "choices": [{"id": "a", "latex": "$4$"}, {"id": "b", "latex": "$5$"}]},
                    "evaluate", "2+2", ())),
]


@pytest.mark.parametrize("name, item", RIGHT, ids=[r[0] for r in RIGHT])
def test_a_right_candidate_is_accepted_in_every_answer_shape(name: str, item: dict) -> None:
    result = verify_candidate(item)
    assert result == Verification(True, None, {"latex_valid": True, "answer_parseable": True, "answer_verified": True})


@pytest.mark.parametrize("item", [
    cand("Solve $x = \\sin x$.", {**EQ, "value": "x = 0"}, "solve", "x = sin(x)"),
    cand("Name it.", {"type": "text", "accepted_answers": ["four"]}, "evaluate", "2+2", ()),
    cand("Solve $2x + 3 = 7$.", EQ),
], ids=["no closed form", "text answer", "no CAS check"])
def test_what_the_cas_cannot_compute_is_not_verified_but_not_refused(item: dict) -> None:
    result = verify_candidate(item)
    assert result.ok and result.reason is None
    assert result.checks == {"latex_valid": True, "answer_parseable": True, "answer_verified": None}


def test_a_slow_recomputation_times_out_and_the_checkers_worker_is_replaced(monkeypatch) -> None:
    """The recomputation runs in the answer checker's own pool (one worker here, so every call meets the same
    process): a slow one is killed at the limit, its replacement takes the slot, and the next candidate is verified
    in it."""
    monkeypatch.delenv("TUTORASSIST_CAS_INLINE", raising=False)
    monkeypatch.setattr(limits, "DEFAULT_TIMEOUT", 30.0)  # only the slow call is meant to run out of time
    pool = limits.WorkerPool(size=1, wait=30)
    monkeypatch.setattr(limits, "POOL", pool)
    others = set(limits.live_worker_pids())  # workers of the process-wide pool, left by earlier tests
    slow = cand("Solve it.", {"type": "set", "elements": ["1"]}, "solve",
                "x^9 - 7x^7 + 3x^6 - 11x^5 + 2x^3 - 5x^2 + 13x - 17 = 0")
    right = cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7")
    try:
        assert verify_candidate(right).ok
        (before,) = set(limits.live_worker_pids()) - others  # spec check and recomputation: one checker worker
        result = verify_candidate(slow, timeout=0.01)
        assert result.ok is False and result.checks["answer_verified"] is None
        assert "could not be recomputed within 0.01 s" in result.reason
        (replacement,) = set(limits.live_worker_pids()) - others  # killed, and replaced in its slot
        assert replacement != before
        assert verify_candidate(right).ok
        assert set(limits.live_worker_pids()) - others == {replacement}  # the next call ran in the replacement
        assert not _processes_running(b"tutorassist.ai.verify")  # no worker of its own any more
    finally:
        pool.shutdown()


def _processes_running(module: bytes) -> set[int]:
    """Pids of this process's children whose command line names `module` (Linux /proc)."""
    found = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                parent = int(stat.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if parent == os.getpid() and module in cmdline.read():
                    found.add(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_a_recomputation_that_finds_every_checker_worker_busy_says_so(monkeypatch) -> None:
    """A multiple-choice spec is checked in-process, so only the recomputation needs the pool; while a slow call
    holds the only worker past the wait, the candidate is not verified and the reason says to try again."""
    monkeypatch.delenv("TUTORASSIST_CAS_INLINE", raising=False)
    pool = limits.WorkerPool(size=1, wait=0.2)
    monkeypatch.setattr(limits, "POOL", pool)
    pool.warm()
    slow = ({"kind": "solve", "expression": "(x+1)^300 = (x+2)^299", "variables": ["x"]},  # minutes of sympy
            {"type": "set", "elements": ["1"]})
    holder = threading.Thread(target=lambda: pytest.raises(limits.Timeout, pool.run, "recompute_payload", slow, 3.0))
    choice = cand("What is $2 + 2$?", {"type": "multiple_choice", "correct_ids": ["a"],
                                      "choices": [{"id": "a", "latex": "$4$"}, {"id": "b", "latex": "$5$"}]},
                  "evaluate", "2+2", ())
    try:
        holder.start()
        time.sleep(0.3)
        result = verify_candidate(choice)
        assert result.ok is False and result.checks["answer_verified"] is None
        assert result.reason == "the answer could not be recomputed now (the CAS is busy); try again"
        holder.join(30)
        assert verify_candidate(choice, timeout=30).ok  # the slow call's replacement serves again
    finally:
        pool.shutdown()


def test_the_recomputation_runs_in_process_with_the_inline_switch(monkeypatch) -> None:
    monkeypatch.setenv("TUTORASSIST_CAS_INLINE", "1")
    monkeypatch.setattr(limits, "DEFAULT_TIMEOUT", 30.0)  # the first in-process check pays the sympy import
    pool = limits.WorkerPool(size=1, wait=30)
    monkeypatch.setattr(limits, "POOL", pool)
    others = set(limits.live_worker_pids())
    try:
        assert verify_candidate(cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7"), timeout=30).ok
        wrong = verify_candidate(cand("Solve $2x + 3 = 7$.", {**EQ, "value": "x = 3"}, "solve", "2x+3=7"))
        assert wrong.reason == "the stated answer x = 3 does not solve 2x+3=7 (x = 2)"
        assert set(limits.live_worker_pids()) == others  # no worker was started
    finally:
        pool.shutdown()


@pytest.mark.parametrize("garbage", [None, 3, "text", [], {}, {"prompt_latex": 3},
                                     {**cand("Solve.", EQ, "solve", "2x+3=7"), "difficulty": 9},
                                     {**cand("Solve.", EQ), "cas_check": {"kind": "guess", "expression": "1"}}])
def test_what_is_not_a_candidate_is_refused_not_raised(garbage: Any) -> None:
    result = verify_candidate(garbage)
    assert result.ok is False and result.reason.startswith("not a valid question candidate")


def test_the_demo_questions_render() -> None:
    texts = [t for q in QUESTIONS for t in (q["prompt_latex"], q["solution_latex"], *q["hints"])]
    assert len(texts) > 50
    assert [t for t in texts if latex_problem(t) is not None] == []


@pytest.mark.parametrize("text", [
    "Costs \\$5, that is 50\\% off.", "$$\\int_0^1 x^2 \\, dx$$", "\\(a_{ij}\\) and \\[\\sqrt[3]{27}\\]",
    "$\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}$", "$\\left\\{ 1, 2 \\right\\}$", "$x \\in \\mathbb{R}$",
    "$\\frac{d}{dx} x^n = n x^{n-1}$", "$f \\circ g$, $90^\\circ$", "Plain words only.",
])
def test_valid_latex_has_no_problem(text: str) -> None:
    assert latex_problem(text) is None


@pytest.mark.parametrize("text, problem", [
    ("$x}$", "a closing brace } has no opening brace"),
    ("\\(x + 1", "the formula opened by \\( is never closed"),
    ("x + 1\\]", "\\] closes a formula that was never opened"),
    ("$\\frac{1}$", "\\frac needs 2 arguments"),
    ("$\\sqrt$", "\\sqrt needs 1 argument"),
    ("$\\begin{cases} x \\end{pmatrix}$", "\\end{pmatrix} does not close the open environment"),
    ("$\\begin{cases} x$", "\\begin{cases} is never ended"),
    ("$x_$", "a superscript or subscript is missing"),
    ("$ $", "an empty formula"),
])
def test_broken_latex_is_named(text: str, problem: str) -> None:
    assert problem in (latex_problem(text) or "")


# --------------------------------------------------------------------------------------------- property tests

TOKENS = ["0", "1", "2", "7", "0.5", "x", "y", "t", "e", "pi", "oo", "+", "-", "*", "/", "^", "**", "!", "=", "<",
          ">=", "(", ")", "[", "]", "{", "}", ",", ";", " ", "sin", "log", "sqrt", "\\frac", "\\frac{1}{2}",
          "\\left(", "\\right)", "\\sqrt", "\\le", "\\infty", "\\", "$", "9^9^9", "1/0", "x=", "\\{", "\\}", "%"]
formula = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join)
specs = st.one_of(
    st.builds(lambda v: {"type": "number", "value": v}, st.sampled_from(["2", "0.5", "-3", "1e3"])),
    st.builds(lambda v: {"type": "expression", "value": v or "x"}, formula),
    st.builds(lambda v: {"type": "equation", "value": f"x = {v}"}, formula),
    st.builds(lambda vs: {"type": "set", "elements": list(dict.fromkeys(v or "1" for v in vs))},
              st.lists(formula, max_size=3)),
    st.builds(lambda v: {"type": "interval", "value": f"({v}, 3]"}, formula),
    st.builds(lambda v: {"type": "inequality", "value": f"x < {v}"}, formula),
    st.dictionaries(st.sampled_from(["type", "value", "elements"]), formula, max_size=3),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs, kind=st.sampled_from(["solve", "evaluate", "differentiate"]), expression=formula,
       variables=st.lists(st.sampled_from(["x", "y", "t", "\\theta"]), max_size=2, unique=True),
       prompt=formula)
def test_garbage_never_raises(spec: dict, kind: str, expression: str, variables: list[str], prompt: str) -> None:
    item = {"prompt_latex": prompt or "Solve.", "answer_type": spec.get("type", "number"), "answer_spec": spec,
            "difficulty": 3, "cas_check": {"kind": kind, "expression": expression, "variables": variables}}
    result = verify_candidate(item)
    assert isinstance(result, Verification) and isinstance(result.ok, bool)
    assert result.ok or result.reason  # a refusal always says why
    if result.ok:
        assert result.checks["latex_valid"] and result.checks["answer_parseable"]
        assert result.checks["answer_verified"] in (True, None)


@settings(max_examples=200, deadline=None)
@given(text=st.lists(st.sampled_from(list("\\${}()[]^_&x1 ") + ["\\frac", "\\left", "\\right", "\\begin{",
                                                                   "\\end{", "cases}", "\\(", "\\]"]),
                    max_size=30).map("".join))
def test_latex_problem_never_raises(text: str) -> None:
    problem = latex_problem(text)
    assert problem is None or isinstance(problem, str)


def test_a_question_candidate_object_is_accepted_as_is() -> None:
    item = QuestionCandidate.model_validate(cand("Solve $2x + 3 = 7$.", EQ, "solve", "2x+3=7"))
    assert verify_candidate(item).ok
