"""Equation and inequality templates: linear (plain, brackets, fractions), linear inequalities, quadratics (by
factorising, by the formula) and a pair of simultaneous linear equations. Every answer comes from sympy's solver."""

from __future__ import annotations

import random

import sympy as sp
from sympy.solvers.inequalities import solve_univariate_inequality

from tutorassist.ai.candidate import CasCheck, QuestionCandidate
from tutorassist.ai.offline.base import Template, candidate, nonzero, plain, signed, tex, x, y


def _roots(lhs: sp.Expr, rhs: sp.Expr) -> list[sp.Expr]:
    return sorted(sp.solve(sp.Eq(lhs, rhs), x), key=lambda r: float(r))


def _solved_line(lhs: sp.Expr, rhs: sp.Expr) -> str:
    """`ax = b` after collecting the x terms on the left and the numbers on the right."""
    moved = sp.expand(lhs - rhs)
    return f"{tex(moved.coeff(x, 1) * x)} = {tex(-moved.subs(x, 0))}"


def linear_equation(rng: random.Random, difficulty: int) -> QuestionCandidate:
    root = rng.randint(-12, 12)
    if difficulty == 1:
        if rng.random() < 0.5:
            b = nonzero(rng, -15, 15)
            lhs, rhs = x + b, sp.Integer(root + b)
            hints = [f"Undo the {'addition' if b > 0 else 'subtraction'}: {'subtract' if b > 0 else 'add'} "
                     f"${abs(b)}$ {'from' if b > 0 else 'to'} both sides."]
        else:
            a = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, -2, -3])
            lhs, rhs = a * x, sp.Integer(a * root)
            hints = [f"Divide both sides by ${a}$."]
    elif difficulty == 2:
        a, b = rng.choice([2, 3, 4, 5, 6, 7, 8, 9, -2, -3, -4, -5]), nonzero(rng, -20, 20)
        lhs, rhs = a * x + b, sp.Integer(a * root + b)
        hints = [f"First {'subtract' if b > 0 else 'add'} ${abs(b)}$ on both sides.", f"Then divide by ${a}$."]
    else:
        a = rng.randint(2, 9)
        c = rng.choice([k for k in range(-6, 10) if k not in (0, a)])
        b = nonzero(rng, -20, 20)
        lhs, rhs = a * x + b, c * x + (a - c) * root + b
        hints = ["Collect the $x$ terms on one side and the numbers on the other.", f"${_solved_line(lhs, rhs)}$"]
    (answer,) = _roots(lhs, rhs)
    equation = f"{tex(lhs)} = {tex(rhs)}"
    return candidate(
        prompt=f"Solve ${equation}$.",
        spec={"type": "equation", "value": f"x = {plain(answer)}", "variables": ["x"]},
        hints=hints,
        solution=f"${equation}$, so ${_solved_line(lhs, rhs)}$ and $x = {tex(answer)}$.",
        difficulty=difficulty, tags=["algebra", "linear-equations"],
        check=CasCheck(kind="solve", expression=f"{plain(lhs)} = {plain(rhs)}", variables=["x"]),
    )


def linear_equation_brackets(rng: random.Random, difficulty: int) -> QuestionCandidate:
    root = rng.randint(-9, 9)
    if difficulty <= 3:
        a, b = rng.randint(2, 7), nonzero(rng, -9, 9)
        c = 0 if difficulty == 2 else rng.choice([k for k in range(-5, 7) if k not in (0, a)])
        d = a * (root + b) - c * root
        lhs, rhs = a * (x + b), c * x + d
        shown = f"{a}\\left(x {signed(b)}\\right) = {tex(rhs)}"
        text = f"{a}(x {signed(b)}) = {plain(rhs)}"
        hints = [f"Expand the bracket: ${tex(sp.expand(lhs))}$.", f"${_solved_line(lhs, rhs)}$"]
    else:
        p, q = rng.sample([2, 3, 4, 5, 6], 2)
        k = nonzero(rng, -4, 4)
        b, c = p * k - root, q * k - root
        lhs, rhs = (x + b) / p, (x + c) / q
        shown = f"\\frac{{x {signed(b)}}}{{{p}}} = \\frac{{x {signed(c)}}}{{{q}}}"
        text = f"(x {signed(b)})/{p} = (x {signed(c)})/{q}"
        hints = [f"Multiply both sides by ${sp.ilcm(p, q)}$ to clear the fractions.", f"${_solved_line(lhs, rhs)}$"]
    (answer,) = _roots(lhs, rhs)
    return candidate(
        prompt=f"Solve ${shown}$.",
        spec={"type": "equation", "value": f"x = {plain(answer)}", "variables": ["x"]},
        hints=hints,
        solution=f"${shown}$ gives ${_solved_line(lhs, rhs)}$, so $x = {tex(answer)}$.",
        difficulty=difficulty, tags=["algebra", "linear-equations", "brackets" if difficulty <= 3 else "fractions"],
        check=CasCheck(kind="solve", expression=text, variables=["x"]),
    )


_TEX_OPS = {"<": "<", ">": ">", "<=": "\\le", ">=": "\\ge"}


def linear_inequality(rng: random.Random, difficulty: int) -> QuestionCandidate:
    op = rng.choice(["<", ">", "<=", ">="])
    bound = rng.randint(-8, 8)
    if difficulty == 2:
        a, b = rng.randint(2, 7), nonzero(rng, -12, 12)
        lhs, rhs = a * x + b, sp.Integer(a * bound + b)
    elif difficulty == 3:
        a, b = -rng.randint(2, 7), nonzero(rng, -12, 12)
        lhs, rhs = a * x + b, sp.Integer(a * bound + b)
    else:
        a = rng.randint(2, 9)
        c = rng.choice([k for k in range(-6, 10) if k not in (0, a)])
        b, d = nonzero(rng, -12, 12), rng.randint(-12, 12)
        lhs, rhs = a * x + b, c * x + d
    relation = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}[op](lhs, rhs)
    solution = solve_univariate_inequality(relation, x, relational=False)
    if solution.start == -sp.oo:
        answer_op, answer_bound = ("<" if solution.right_open else "<="), solution.end
    else:
        answer_op, answer_bound = (">" if solution.left_open else ">="), solution.start
    flipped = (lhs - rhs).coeff(x, 1) < 0
    shown = f"{tex(lhs)} {_TEX_OPS[op]} {tex(rhs)}"
    answer = f"x {_TEX_OPS[answer_op]} {tex(answer_bound)}"
    return candidate(
        prompt=f"Solve ${shown}$.",
        spec={"type": "inequality", "value": f"x {answer_op} {plain(answer_bound)}", "variables": ["x"]},
        hints=["Solve it like an equation: collect the $x$ terms on one side and the numbers on the other.",
               "Dividing both sides by a negative number reverses the inequality sign."
               if flipped else "Dividing by a positive number keeps the inequality sign."],
        solution=f"${shown}$ gives ${answer}$" + (" (the sign flips: we divided by a negative number)." if flipped else "."),
        difficulty=difficulty, tags=["algebra", "inequalities"],
        check=CasCheck(kind="solve", expression=f"{plain(lhs)} {op} {plain(rhs)}", variables=["x"]),
    )


def _root_set_spec(roots: list[sp.Expr]) -> dict:
    return {"type": "set", "elements": [plain(r) for r in roots]}


def quadratic_factorisable(rng: random.Random, difficulty: int) -> QuestionCandidate:
    r1, r2 = rng.sample([k for k in range(-9, 10) if k != 0], 2)
    if difficulty == 2:
        lhs, rhs = sp.expand((x - r1) * (x - r2)), sp.Integer(0)
    elif difficulty == 3:
        moved = sp.expand((x - r1) * (x - r2))
        c = moved.subs(x, 0)
        lhs, rhs = moved - c, -c
    else:
        p, q = rng.choice([(1, 2), (-1, 2), (1, 3), (2, 3), (-2, 3), (3, 2), (-3, 2), (1, 4), (-3, 4), (5, 2)])
        lhs, rhs = sp.expand((q * x - p) * (x - r1)), sp.Integer(0)
    roots = _roots(lhs, rhs)
    factored = sp.factor(lhs - rhs)
    shown = f"{tex(lhs)} = {tex(rhs)}"
    return candidate(
        prompt=f"Solve ${shown}$. Give all the solutions.",
        spec=_root_set_spec(roots),
        hints=(["Bring every term to one side so that the equation reads $\\dots = 0$."] if rhs != 0 else [])
        + ["Factorise the quadratic.", "A product is zero when one of its factors is zero."],
        solution=f"${tex(lhs - rhs)} = {tex(factored)} = 0$, so $x = {tex(roots[0])}$ or $x = {tex(roots[1])}$.",
        difficulty=difficulty, tags=["algebra", "quadratics", "factorising"],
        check=CasCheck(kind="solve", expression=f"{plain(lhs)} = {plain(rhs)}", variables=["x"]),
    )


def quadratic_formula(rng: random.Random, difficulty: int) -> QuestionCandidate:
    while True:
        a = 1 if difficulty == 4 else rng.randint(2, 5)
        b, c = rng.randint(-9, 9), nonzero(rng, -9, 9)
        disc = b * b - 4 * a * c
        if disc > 0 and not sp.sqrt(disc).is_Integer:
            break
    lhs = a * x**2 + b * x + c
    roots = _roots(lhs, sp.Integer(0))
    formula = f"x = \\frac{{{tex(-b)} \\pm \\sqrt{{{disc}}}}}{{{2 * a}}}"
    return candidate(
        prompt=f"Solve ${tex(lhs)} = 0$. Give the exact solutions.",
        spec=_root_set_spec(roots),
        hints=[f"It does not factorise: use $x = \\frac{{-b \\pm \\sqrt{{b^2 - 4ac}}}}{{2a}}$ with "
               f"$a = {a}$, $b = {b}$, $c = {c}$.", f"The discriminant is $b^2 - 4ac = {disc}$."],
        solution=f"${formula}$, so $x = {tex(roots[0])}$ or $x = {tex(roots[1])}$.",
        difficulty=difficulty, tags=["algebra", "quadratics", "quadratic-formula", "surds"],
        check=CasCheck(kind="solve", expression=f"{plain(lhs)} = 0", variables=["x"]),
    )


def simultaneous_linear(rng: random.Random, difficulty: int) -> QuestionCandidate:
    sx, sy = rng.randint(-8, 8), rng.randint(-8, 8)
    while True:
        span = {3: 3, 4: 6, 5: 9}[difficulty]
        a1, b1 = nonzero(rng, -span, span), nonzero(rng, -span, span)
        if difficulty == 3:
            a2, b2 = a1, nonzero(rng, -span, span)  # the same x coefficient: subtract one from the other
        else:
            a2, b2 = nonzero(rng, -span, span), nonzero(rng, -span, span)
        if a1 * b2 - a2 * b1 != 0:
            break
    first, second = a1 * x + b1 * y, a2 * x + b2 * y
    c1, c2 = first.subs({x: sx, y: sy}), second.subs({x: sx, y: sy})
    solved = sp.solve([sp.Eq(first, c1), sp.Eq(second, c2)], [x, y], dict=True)[0]
    equations = [f"{tex(first)} = {tex(c1)}", f"{tex(second)} = {tex(c2)}"]
    return candidate(
        prompt=("Solve the simultaneous equations $" + equations[0] + "$ and $" + equations[1] + "$. "
                "Give $x$ and $y$ in that order, e.g. $x = 1, y = 2$."),
        spec={"type": "list", "elements": [plain(solved[x]), plain(solved[y])], "ordered": True},
        hints=["Make the coefficients of one unknown equal, then add or subtract the equations to eliminate it.",
               "Substitute the value you find back into either equation."],
        solution=(f"Eliminating one unknown gives $x = {tex(solved[x])}$; substituting gives $y = {tex(solved[y])}$. "
                  f"Check: ${tex(a1 * solved[x] + b1 * solved[y])} = {tex(c1)}$."),
        difficulty=difficulty, tags=["algebra", "simultaneous-equations"],
        check=CasCheck(kind="solve", expression=f"{plain(first)} = {plain(c1)}; {plain(second)} = {plain(c2)}",
                       variables=["x", "y"]),
    )


TEMPLATES = [
    Template("linear_equation", "Linear equations", ("linear equation", "solving equation", "equation", "algebra"),
             (1, 2, 3), linear_equation,
             "an integer root; one step (x + b = c, ax = c), two steps (ax + b = c), or x on both sides"),
    Template("linear_equation_brackets", "Linear equations with brackets or fractions",
             ("linear equation", "bracket", "equation", "algebra"), (2, 3, 4), linear_equation_brackets,
             "a(x + b) = c or = cx + d; (x + b)/p = (x + c)/q at level 4; integer root"),
    Template("linear_inequality", "Linear inequalities", ("inequalit", "linear", "algebra"), (2, 3, 4),
             linear_inequality, "the sign (<, >, ≤, ≥), a negative x coefficient at level 3, x on both sides at 4"),
    Template("quadratic_factorisable", "Quadratic equations by factorising",
             ("quadratic equation", "quadratic", "factoris", "factoriz", "equation", "algebra"), (2, 3, 4), quadratic_factorisable,
             "two distinct non-zero integer roots; rearranging first at level 3; a leading coefficient and a "
             "fractional root at level 4"),
    Template("quadratic_formula", "Quadratic equations by the formula",
             ("quadratic formula", "quadratic equation", "quadratic", "surd", "equation", "algebra"), (4, 5),
             quadratic_formula, "coefficients with a positive discriminant that is not a square (surd roots); "
             "a = 1 at level 4, a in 2..5 at level 5"),
    Template("simultaneous_linear", "Simultaneous linear equations",
             ("simultaneous equation", "system of equation", "simultaneous", "equation", "algebra"), (3, 4, 5),
             simultaneous_linear, "an integer solution (x, y) and a non-singular coefficient matrix; equal x "
             "coefficients at level 3, larger coefficients at 4 and 5"),
]
