"""HTML forms over the services' own request schemas: a refused form comes back with the input and a message beside
each field it names.

A page reads the submitted form (`FormInput`), builds the service's Pydantic schema from it (`parse`), and on a
`Problem` from the service shows its field errors (`errors_of`). Field names in a form are the schema's names, dotted
for nested fields (`answer_spec.value`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError

from tutorassist.kit.problems import Problem

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")


@dataclass
class Form:
    """What a form shows: the values typed (as text), the messages per field, and one message for the whole form."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    message: str | None = None

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def values_of(self, name: str) -> list[str]:
        """Every value of a multi-valued field (checkboxes, multiple select)."""
        value = self.values.get(name, [])
        return value if isinstance(value, list) else [value]

    @property
    def refused(self) -> bool:
        return bool(self.errors or self.message)


async def form_input(request: Request) -> Form:
    """The submitted form: single fields as strings, repeated fields as lists (files are left to the page)."""
    data = await request.form()
    values: dict[str, Any] = {}
    for key in data.keys():
        if key == "csrf_token":
            continue
        items = [v for v in data.getlist(key) if isinstance(v, str)]
        values[key] = items if len(items) > 1 or key.endswith("[]") else (items[0] if items else "")
    return Form(values={k.removesuffix("[]"): v for k, v in values.items()})


FormInput = Annotated[Form, Depends(form_input)]


def whole_number(value: Any) -> Any:
    """A number input's text as an int: the schemas refuse numbers sent as text (JSON bodies send numbers, forms send
    text). Anything else comes back unchanged, so the schema names the field."""
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,18}\s*", value):
        return int(value)
    return value


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value
    return nested


def parse(model: type[M], form: Form, *, blank_is_missing: bool = True, **extra: Any) -> M | None:
    """The schema built from the form (blank fields left out, so defaults apply), or None with form.errors filled."""
    flat = {k: v for k, v in form.values.items() if not (blank_is_missing and v in ("", []))}
    try:
        return model.model_validate(_nest(flat) | extra)
    except ValidationError as exc:
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"]) or "form"
            form.errors.setdefault(name, error["msg"].removeprefix("Value error, "))
        return None


def refuse(form: Form, problem: Problem) -> Form:
    """Show a service's refusal on the form: its named fields beside them, anything else at the top."""
    errors = problem.extra.get("errors") or []
    for error in errors:
        form.errors.setdefault(error.get("field", "form"), error.get("message", "not accepted"))
    if not errors:
        form.message = problem.detail or problem.title
    return form


def submit(form: Form, model: type[M], action: Callable[[M], R], *, refusal: Callable[[Form, Problem], Form] | None = None,
           **extra: Any) -> tuple[R | None, int]:
    """A form given to a service: parsed into `model` (with `extra` fields), then `action(body)`.

    Returns (the service's result, 200), or (None, the status to answer with) with the form refused: 422 when the form
    itself is invalid, else the refusal's own status (its fields marked by `refusal`, `refuse` by default)."""
    body = parse(model, form, **extra)
    if body is None:
        return None, 422
    try:
        return action(body), 200
    except Problem as problem:
        (refusal or refuse)(form, problem)
        return None, problem.status
