"""The OpenAPI document states what the API does: every error as problem+json, who must sign in, which methods a
resource answers (405 with Allow), and the rules the request models enforce (patterns and contracts agree with the
validators, property-tested)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, EmailStr, ValidationError

from tests.api.helpers import PROBLEM, problem
from tests.api.openapi_exclusions import CHECKER_REFUSALS
from tutorassist.api.app import create_app
from tutorassist.identity.schemas import TIME_ZONES, WorkspaceCreate, settings_schema
from tutorassist.kit import openapi
from tutorassist.kit.jsonb import validate_jsonb
from tutorassist.kit.schemas import DELIVERABLE_EMAIL, PYTHON_SPACE, contract_schema, stripped_length
from tutorassist.questions.schemas import normalise_tags
from tutorassist.questions.topics.schemas import METADATA_SCHEMA

METHODS = ("get", "put", "post", "delete", "patch")


def from_schema(schema: dict):
    """Values of a JSON schema (2020-12), drawn by the generator schemathesis itself uses."""
    from schemathesis.generation.jsonschema.builder import build

    formats = {"uuid": st.uuids().map(str), "email": st.emails(),
               "date-time": st.datetimes(timezones=st.just(timezone.utc)).map(datetime.isoformat)}
    # whole_floats off: 3.0 for an integer is the one gap the schema language leaves (tests/api/openapi_exclusions.py)
    return build(schema, draft=20, formats=formats, whole_floats=False)


@pytest.fixture(scope="module")
def document() -> dict:
    # Generating the document needs no database: the engine is only made when the app starts.
    return create_app("postgresql://unused/unused").openapi()


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method.upper(), path, operation


def test_every_error_an_operation_documents_is_problem_json(document):
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert list(response["content"]) == [PROBLEM], (method, path, status)
                assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
                assert response["description"] not in ("", "Validation Error"), (method, path, status)


def test_the_rules_document_what_each_kind_of_operation_can_answer(document):
    by_operation = {(m, p): set(op["responses"]) for m, p, op in operations(document)}
    assert {"401", "403", "404", "409", "422", "400"} <= by_operation[("POST", "/workspaces/{workspace_id}/topics")]
    assert "403" not in by_operation[("GET", "/workspaces/{workspace_id}/topics")]  # every member may list topics
    assert "401" not in by_operation[("POST", "/auth/signup")]
    # an invite token addressed to another email is a 403; a closed or unknown one a 404, never a 410
    for redeeming in (("POST", "/auth/signup"), ("POST", "/invites/{token}/accept")):
        assert {"403", "404", "409", "422"} <= by_operation[redeeming] and "410" not in by_operation[redeeming]
    assert {"401", "429"} <= by_operation[("POST", "/auth/signin")]
    assert {"413", "415"} <= by_operation[("POST", "/workspaces/{workspace_id}/materials")]
    assert "404" not in by_operation[("GET", "/me")] and "422" not in by_operation[("GET", "/me")]
    assert "503" in by_operation[("GET", "/healthz")]


def test_signed_in_operations_name_their_security_and_public_ones_do_not(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"]["scheme"] == "bearer" and schemes["sessionCookie"]["in"] == "cookie"
    for method, path, operation in operations(document):
        public = (method, path) in openapi.PUBLIC
        assert ("security" not in operation) == public, (method, path)
        assert ("401" not in operation["responses"] or (method, path) == ("POST", "/auth/signin")) == public, (method, path)
        if not public:
            assert operation["responses"]["401"]["headers"]["WWW-Authenticate"]


def test_the_rule_tables_name_only_real_operations(document):
    real = {(m, p) for m, p, _ in operations(document)}
    for table in (openapi.PUBLIC, openapi.EVERY_MEMBER, openapi.NEVER_CONFLICTING, openapi.REDEEMS_INVITE):
        assert table <= real, table - real


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)


def test_without_credentials_every_signed_in_operation_answers_401(client, document):
    """Those a request without a body reaches (the others validate the body first: 422)."""
    checked = 0
    for method, path, operation in operations(document):
        required_query = [p for p in operation.get("parameters", []) if p["in"] == "query" and p.get("required")]
        if operation.get("requestBody") or required_query:
            continue
        response = client.request(method, _concrete(path))
        if (method, path) in openapi.PUBLIC:
            assert response.status_code != 401, (method, path)
        else:
            problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
            checked += 1
    assert checked >= 30


def test_a_method_a_resource_does_not_answer_is_405_with_allow_listing_the_documented_methods(client, document):
    for path, item in document["paths"].items():
        documented = {m.upper() for m in item if m in METHODS}
        for method in ("TRACE", "OPTIONS", *({"PUT", "PATCH", "DELETE", "POST"} - documented)):
            response = client.request(method, _concrete(path))
            problem(response, 405)
            allowed = {m.strip() for m in response.headers["allow"].split(",")}
            assert allowed - {"HEAD"} == documented, (method, path, allowed)


def test_a_literal_resource_is_not_mistaken_for_an_id(client, people):
    tutor = people("Tutor")
    workspace = tutor.http.post("/workspaces", json={"name": "Literal"}).json()["id"]
    for method in ("PATCH", "DELETE"):
        response = tutor.http.request(method, f"/workspaces/{workspace}/questions/export")
        problem(response, 405)
        assert response.headers["allow"] == "GET, HEAD"
    # an id that is not one is still a validation error
    body = problem(tutor.http.patch(f"/workspaces/{workspace}/questions/not-a-uuid", json={}), 422)
    assert body["errors"][0]["field"] == "path.question_id"


# --- the patterns the schemas state agree with what the models do -------------------------------------------------

class _Stripped(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    value: str


class _Email(BaseModel):
    value: EmailStr


_SPACES = "\t\n\x0b\x0c\r \x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000"
_TEXT = st.text(alphabet=st.sampled_from(_SPACES) | st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, low=st.integers(0, 4), span=st.none() | st.integers(0, 6))
def test_stripped_length_pattern_matches_exactly_what_pydantic_accepts(text, low, span):
    high = None if span is None else low + span
    length = len(_Stripped(value=text).value)
    accepted = "\x00" not in text and length >= low and (high is None or length <= high)
    assert bool(re.search(stripped_length(low, high), text)) == accepted


@settings(max_examples=300, deadline=None)
@given(tags=st.lists(_TEXT, max_size=3))
def test_the_tag_pattern_matches_exactly_what_normalise_tags_accepts(tags):
    pattern = re.compile(stripped_length(1, 50, PYTHON_SPACE))
    try:
        normalise_tags(tags)
        accepted = True
    except ValueError:
        accepted = False
    assert all(pattern.search(t) for t in tags) == accepted


@pytest.mark.parametrize("address, valid", [
    ("ada@example.com", True), ("ada@school.co.uk", True), ("ada@lab.test", False), ("ada@x.INVALID", False),
    ("ada@host.localhost", False), ("ada@x.onion.", False), ("ada@testing.com", True), ("ada@local.org", True),
])
def test_the_email_pattern_refuses_special_use_domains(address, valid):
    assert bool(re.search(DELIVERABLE_EMAIL, address)) == valid
    try:
        _Email(value=address)
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == valid


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(address=st.emails())
def test_every_email_the_pattern_allows_is_accepted(address):
    if re.search(DELIVERABLE_EMAIL, address):
        _Email(value=address)


@pytest.mark.parametrize("level, table", [("workspace", "workspaces"), ("student", "student_profiles"),
                                          ("assignment", "assignments")])
def test_every_settings_value_the_document_allows_the_contract_accepts(level, table):
    schema = {"type": "object"} | settings_schema(level)

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(value=from_schema(schema))
    def accepted(value):
        validate_jsonb(table, "settings_json", json.loads(json.dumps(value)))

    accepted()


def test_a_setting_of_another_level_is_refused_by_both():
    schema = settings_schema("assignment")
    assert schema["properties"]["auto_hide_flag_threshold"] == {
        "type": "null", "description": "auto_hide_flag_threshold is not set at the assignment level"}
    with pytest.raises(ValidationError):
        validate_jsonb("assignments", "settings_json", {"auto_hide_flag_threshold": 3})


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=from_schema({"type": "object"} | METADATA_SCHEMA))
def test_every_topic_metadata_the_document_allows_the_contract_accepts(value):
    validate_jsonb("topics", "metadata", json.loads(json.dumps(value)))


def test_time_zones_are_the_ones_the_validator_knows(document):
    assert document["components"]["schemas"]["WorkspaceCreate"]["properties"]["timezone"]["enum"] == TIME_ZONES
    WorkspaceCreate(name="x", timezone=TIME_ZONES[-1])
    with pytest.raises(ValidationError):
        WorkspaceCreate(name="x", timezone="Mars/Olympus_Mons")


def test_text_fields_of_a_form_hold_no_nul_and_its_file_is_bytes(document):
    form = document["components"]["schemas"]["Body_upload_material_workspaces__workspace_id__materials_post"]
    assert re.search(form["properties"]["title"]["pattern"], "Notes") and not re.search(
        form["properties"]["title"]["pattern"], "No\x00tes")
    assert "pattern" not in form["properties"]["file"]


@pytest.mark.parametrize("body, valid", [
    ({"reason": "other", "comment": "the graph is missing"}, True), ({"reason": "typo"}, True),
    ({"reason": "typo", "comment": " "}, True), ({"reason": "other"}, False), ({"reason": "other", "comment": None}, False),
    ({"reason": "other", "comment": " \t"}, False), ({"reason": "other", "comment": ""}, False),
])
def test_a_flag_for_another_reason_states_that_it_needs_a_comment(document, body, valid):
    from jsonschema import Draft202012Validator

    assert Draft202012Validator(document["components"]["schemas"]["FlagCreate"]).is_valid(body) == valid


def test_the_fields_an_update_refuses_as_null_are_stated_not_nullable(document):
    from tutorassist.questions import service
    from tutorassist.questions.schemas import QuestionUpdate

    assert set(QuestionUpdate.not_null) == set(service._NOT_NULL)
    stated = document["components"]["schemas"]["QuestionUpdate"]["properties"]
    for field in QuestionUpdate.not_null:
        assert {"type": "null"} not in stated[field].get("anyOf", []) and stated[field].get("type") != "null", field
    assert {"type": "null"} in stated["topic_id"]["anyOf"]  # null there removes the topic


def test_either_or_fields_are_stated(document):
    schemas = document["components"]["schemas"]
    assert [b["required"] for b in schemas["PreviewRequest"]["anyOf"]] == [["question_id"], ["answer_type"]]
    assert [b["required"] for b in schemas["AssignmentCreate"]["oneOf"]] == [["question_ids"], ["rule"]]
    # The import takes back an export: format and questions required, exported_at optional (the export states it).
    import_body = document["paths"]["/workspaces/{workspace_id}/questions/import"]["post"]["requestBody"]
    assert import_body["content"]["application/json"]["schema"]["required"] == ["format", "questions"]
    assert schemas["ExportDocument"]["required"] == ["format", "exported_at", "questions"]


# Not stateable in JSON Schema: that correct_ids name ids of the choices, and that choice ids are unique (a relation
# between items); tests/api/openapi_exclusions.py names the same two refusals.
_CHOICE_RELATIONS = ("correct_ids: ", "choices: ids must be unique")


def _documented_refusal(error: dict[str, str]) -> bool:
    """A relation between choices, or the checker unable to grade the spec's own answer (the answer_spec
    description states it; the same refusals openapi_exclusions.py lets through over HTTP)."""
    return (any(c in error["message"] for c in _CHOICE_RELATIONS)
            or any(r.covers("", 422, error["field"], error["message"]) for r in CHECKER_REFUSALS))


def test_the_answer_spec_description_states_the_checker_rule(document):
    for model in ("QuestionCreate", "QuestionUpdate", "TransferQuestion"):
        described = document["components"]["schemas"][model]["properties"]["answer_spec"]["description"]
        assert "answer checker must also be able to grade" in described and "422" in described, model


@pytest.mark.parametrize("answer_type, spec, field", [
    ("number", {"type": "number", "value": "1e999999"}, "answer_spec.value"),
    ("expression", {"type": "expression", "value": "x+*"}, "answer_spec.value"),
    ("set", {"type": "set", "elements": ["1", "x+*"]}, "answer_spec.elements.1"),
])
def test_a_spec_the_checker_cannot_grade_is_refused_as_documented(answer_type, spec, field):
    from tutorassist.questions.service import answer_spec_errors

    errors = answer_spec_errors(answer_type, spec)
    assert [e["field"] for e in errors] == [field]
    assert all(_documented_refusal(e) for e in errors), errors


@pytest.mark.parametrize("branch", range(9))
def test_every_answer_spec_the_document_allows_for_its_type_is_accepted(branch):
    from tutorassist.questions.schemas import QuestionCreate
    from tutorassist.questions.service import answer_spec_errors

    rule = QuestionCreate.model_json_schema()["anyOf"][branch]["properties"]
    answer_type = rule["answer_type"]["const"]

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(spec=from_schema(rule["answer_spec"]))
    def accepted(spec):
        errors = answer_spec_errors(answer_type, json.loads(json.dumps(spec)))
        assert all(e["field"].startswith("answer_spec") and _documented_refusal(e) for e in errors), errors

    accepted()


def _request_models() -> list[type]:
    from tutorassist.kit.schemas import Strict

    create_app("postgresql://unused/unused")  # imports every domain's request models
    found, todo = [], list(Strict.__subclasses__())
    while todo:
        model = todo.pop()
        found.append(model)
        todo.extend(model.__subclasses__())
    return sorted({m for m in found if not m.__name__.startswith("_")}, key=lambda m: m.__name__)


@pytest.mark.parametrize("model", _request_models(), ids=lambda m: m.__name__)
def test_every_body_a_request_schema_allows_its_model_accepts(model):
    """The schema a request model publishes never promises more than its validators accept."""

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=from_schema(model.model_json_schema()))
    def accepted(body):
        model.model_validate(json.loads(json.dumps(body)))

    accepted()


@pytest.mark.parametrize("score, valid", [
    ("0.875", True), (0.875, True), ("1.000", True), ("0", True), (1, True), (0, True), (0.5, True),
    ("", False), (" 0.5", False), ("1e-1", False), (".5", False), ("0.1234", False), (0.1234, False), (1.5, False),
    ("1.001", False), (-0.001, False), ("abc", False), (True, False),
])
def test_the_quality_score_the_document_states_is_exactly_what_the_import_accepts(document, score, valid):
    from jsonschema import Draft202012Validator

    from tutorassist.questions.schemas import TransferQuestion

    stated = document["components"]["schemas"]["TransferQuestion"]["properties"]["quality_score"]
    assert Draft202012Validator(stated).is_valid(score) == valid
    item = {"prompt_latex": "x", "answer_type": "number", "answer_spec": {"type": "number", "value": "2"}}
    try:
        TransferQuestion.model_validate(item | {"quality_score": score})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == valid


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.data())
def test_every_generation_metadata_the_document_allows_the_contract_accepts(value):
    """Except a tokens_used whose total is not input + output: arithmetic JSON Schema cannot state (named in
    openapi_exclusions.py)."""
    from tutorassist.questions.schemas import TransferQuestion

    stated = TransferQuestion.model_json_schema()["properties"]["generation_metadata"]
    assert len(stated["anyOf"]) == 3  # full, legacy, {}
    metadata = value.draw(from_schema(stated))
    try:
        validate_jsonb("questions", "generation_metadata", json.loads(json.dumps(metadata)))
    except ValidationError as exc:
        assert all(e["loc"][-1] == "tokens_used" and e["msg"].startswith("Value error, total (")
                   for e in exc.errors()), exc


def test_generation_metadata_outside_its_contract_is_refused_by_the_document(document):
    from jsonschema import Draft202012Validator

    stated = document["components"]["schemas"]["TransferQuestion"]["properties"]["generation_metadata"]
    assert Draft202012Validator(stated).is_valid({})
    assert not Draft202012Validator(stated).is_valid({"": [False]})


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=st.data())
def test_every_attempt_context_the_document_allows_the_contract_accepts(value):
    from tutorassist.learning.contracts import AttemptContext

    context = value.draw(from_schema({"type": "object"} | contract_schema(AttemptContext)))
    validate_jsonb("attempts", "context_json", json.loads(json.dumps(context)))


@pytest.mark.parametrize("body, field", [
    ({"name": "Ada", "academic_year": True}, "academic_year"),
    ({"name": "Ada", "academic_year": "2020"}, "academic_year"),
    ({"name": 7}, "name"),
    ({"name": "Ada", "settings": {"show_hints": "yes"}}, "settings.show_hints"),
])
def test_a_json_value_of_another_type_than_documented_is_refused(people, body, field):
    """Pydantic's lax mode would coerce these; the document promises the JSON type, so the API holds to it."""
    tutor = people("Tutor")
    workspace = tutor.http.post("/workspaces", json={"name": "Types"}).json()["id"]
    response = tutor.http.post(f"/workspaces/{workspace}/students", json=body)
    assert field in {e["field"] for e in problem(response, 422)["errors"]}
    assert tutor.http.get(f"/workspaces/{workspace}/students").json() == []


def test_the_question_update_states_exactly_the_fields_the_service_refuses_as_null():
    from tutorassist.questions import service
    from tutorassist.questions.schemas import QuestionUpdate

    assert QuestionUpdate.not_null == service._NOT_NULL
    properties = QuestionUpdate.model_json_schema()["properties"]
    assert all('"type": "null"' not in json.dumps(properties[name]) for name in QuestionUpdate.not_null)
