"""recompute_payload (learning/cas/recompute.py), the answer checker's function that recomputes a generated
question's CAS check: plain data in and out, the same answer in-process and through a real worker of the checker's
pool, never an exception for garbage, and no import of the AI domain (arrows point inward)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorassist.learning.cas import limits
from tutorassist.learning.cas.recompute import recompute_payload


def check(kind: str, expression: str, *variables: str) -> dict:
    return {"kind": kind, "expression": expression, "variables": list(variables)}


CASES = [
    ("root", check("solve", "2x+3=7", "x"), {"type": "equation", "value": "x = 2", "variables": ["x"]},
     {"verified": True, "reason": None}),
    ("wrong root", check("solve", "2x+3=7", "x"), {"type": "equation", "value": "x = 3", "variables": ["x"]},
     {"verified": False, "reason": "the stated answer x = 3 does not solve 2x+3=7 (x = 2)"}),
    ("roots as a set", check("solve", "x^2-5x+6=0", "x"), {"type": "set", "elements": ["3", "2"]},
     {"verified": True, "reason": None}),
    ("missing root", check("solve", "x^2-5x+6=0", "x"), {"type": "set", "elements": ["2"]},
     {"verified": False, "reason": "the stated answer {2} misses a solution of x^2-5x+6=0 (x = 2 or x = 3)"}),
    ("system as a list", check("solve", "2x+y=7; x-y=2", "x", "y"), {"type": "list", "elements": ["1", "3"]},
     {"verified": False, "reason": "the stated answer [1, 3] does not solve 2x+y=7; x-y=2 (x = 3, y = 1)"}),
    ("inequality", check("solve", "2x+3>11", "x"), {"type": "inequality", "value": "x < 4", "variables": ["x"]},
     {"verified": False, "reason": "the stated answer x < 4 does not solve 2x+3>11 (x > 4)"}),
    ("interval", check("solve", "x^2<4", "x"), {"type": "interval", "value": "(-2, 2)"},
     {"verified": True, "reason": None}),
    ("value within decimal places", check("evaluate", "1/3"), {"type": "number", "value": "0.33", "decimal_places": 2},
     {"verified": True, "reason": None}),
    ("derivative", check("differentiate", "x^3", "x"), {"type": "expression", "value": "3x"},
     {"verified": False,
      "reason": "the stated answer 3x is not the derivative of x^3 with respect to x (3*x^2)"}),
    ("choice", check("evaluate", "2+2"), {"type": "multiple_choice", "correct_ids": ["b"],
                                         "choices": [{"id": "a", "latex": "$4$"}, {"id": "b", "latex": "$5$"}]},
     {"verified": False, "reason": "the stated answer $5$ is not the value of 2+2 (4)"}),
    ("unparseable check", check("solve", "2x+*3=7", "x"), {"type": "equation", "value": "x = 2"},
     {"verified": None, "reason": "the CAS check '2x+*3=7' could not be parsed: "}),
    ("huge check", check("evaluate", "9^9^9^9"), {"type": "number", "value": "2"},
     {"verified": None, "reason": "the CAS check is too complex to compute"}),
    ("no closed form", check("solve", "x = sin(x)", "x"), {"type": "equation", "value": "x = 0"},
     {"verified": None, "reason": None}),
    ("text answer", check("evaluate", "2+2"), {"type": "text", "accepted_answers": ["four"]},
     {"verified": None, "reason": None}),
]


def _agrees(result: dict, expected: dict) -> bool:
    """The verdict is exact; a reason may be longer than the expected prefix (a parser message follows it)."""
    if result["verified"] != expected["verified"]:
        return False
    if expected["reason"] is None:
        return result["reason"] is None
    return isinstance(result["reason"], str) and result["reason"].startswith(expected["reason"])


@pytest.mark.parametrize("name, cas_check, spec, expected", CASES, ids=[c[0] for c in CASES])
def test_recompute_payload_in_process(name: str, cas_check: dict, spec: dict, expected: dict) -> None:
    result = recompute_payload(cas_check, spec)
    assert _agrees(result, expected), result


@pytest.fixture(scope="module")
def pool():
    pool = limits.WorkerPool(size=1, wait=30)
    yield pool
    pool.shutdown()


def test_the_checkers_worker_gives_the_same_answers(pool: limits.WorkerPool) -> None:
    """Through the JSON-lines protocol of a real worker process, every case answers as in-process."""
    for name, cas_check, spec, expected in CASES:
        result = pool.run("recompute_payload", (cas_check, spec), 10.0)
        assert result == recompute_payload(cas_check, spec), name
        assert _agrees(result, expected), (name, result)


def test_a_slow_recomputation_in_the_worker_times_out_and_the_pool_serves_again(pool: limits.WorkerPool) -> None:
    slow = check("solve", "(x+1)^300 = (x+2)^299", "x")  # legal, and far beyond any limit
    with pytest.raises(limits.Timeout):
        pool.run("recompute_payload", (slow, {"type": "set", "elements": ["1"]}), 0.05)
    root = CASES[0]
    assert pool.run("recompute_payload", (root[1], root[2]), 10.0) == root[3]


TOKENS = ["0", "1", "2", "0.5", "x", "y", "t", "theta", "pi", "oo", "+", "-", "*", "/", "^", "!", "=", "<", ">=",
          "(", ")", "{", "}", ",", ";", " ", "sin", "sqrt", "\\frac{1}{2}", "\\le", "\\", "9^9^9", "1/0", "%"]
text = st.lists(st.sampled_from(TOKENS), max_size=10).map("".join)
cas_checks = st.fixed_dictionaries({"kind": st.sampled_from(["solve", "evaluate", "differentiate"]),
                                    "expression": text,
                                    "variables": st.lists(st.sampled_from(["x", "y", "\\theta"]), max_size=2)})
# Contract-valid in shape (what verify_candidate passes on), with garbage values the checker may not accept.
spec_values = st.one_of(
    st.builds(lambda v: {"type": "number", "value": v}, st.sampled_from(["2", "0.5", "-3", "1e3"])),
    st.builds(lambda v: {"type": "expression", "value": v or "x"}, text),
    st.builds(lambda v: {"type": "equation", "value": f"x = {v}"}, text),
    st.builds(lambda v: {"type": "inequality", "value": f"x < {v}"}, text),
    st.builds(lambda vs: {"type": "set", "elements": vs}, st.lists(text.filter(bool), max_size=3)),
    st.builds(lambda v: {"type": "interval", "value": f"({v}, 3]"}, text),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(cas_check=cas_checks, spec=spec_values)
def test_garbage_gives_a_result_never_an_exception(pool: limits.WorkerPool, cas_check: dict, spec: dict) -> None:
    try:
        result = pool.run("recompute_payload", (cas_check, spec), 5.0)
    except limits.Timeout:
        return  # the caller reports the time limit; the pool replaced the worker
    except limits.TooComplex:
        return  # the worker died on it (memory cap): the caller refuses the check as too complex
    assert result["verified"] in (True, False, None)
    if result["verified"] is False:  # shown wrong: always says why
        assert isinstance(result["reason"], str) and result["reason"]
    elif result["verified"] is True:
        assert result["reason"] is None
    else:  # not decided: either refused with a reason (an unusable check) or left open with a note
        assert result["reason"] is None or (isinstance(result["reason"], str) and result["reason"])


def test_the_answer_checker_does_not_import_the_ai_domain() -> None:
    """ai uses learning/cas, never the reverse: no module of learning/ imports tutorassist.ai."""
    root = Path(__file__).resolve().parents[2] / "src" / "tutorassist" / "learning"
    offenders = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):  # `from tutorassist import ai` too
                names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n == "tutorassist.ai" or n.startswith("tutorassist.ai.")]
    assert len(list(root.rglob("*.py"))) > 10
    assert offenders == []
