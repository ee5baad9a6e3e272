"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import BaseModel, EmailStr, Field, field_validator

from tutorassist.identity.contracts import SettingsLevel, WorkspaceSettings
from tutorassist.kit.schemas import Strict, contract_schema

Role = Literal["owner", "tutor", "student", "guardian"]


class SignUp(Strict):
    email: EmailStr
    password: str = Field(min_length=10, max_length=256, description="At least 10 characters")
    display_name: str = Field(min_length=1, max_length=200)
    invite_token: str | None = Field(default=None, max_length=200, description="Sign up through an invite link")
    client: Literal["browser", "api"] = "api"


class SignIn(Strict):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)
    client: Literal["browser", "api"] = Field("api", description="browser: a session cookie; api: a bearer token")


class SessionOut(BaseModel):
    session_id: UUID
    token: str | None = Field(description="API clients: send as 'Authorization: Bearer <token>'. Browsers: null, the "
                                          "session is only in the HttpOnly ta_session cookie")
    csrf_token: str | None = Field(None, description="Browsers: the value to send in X-CSRF-Token (also in the "
                                                     "readable ta_csrf cookie) with every state-changing request")
    expires_at: datetime
    user_id: UUID
    workspace_id: UUID | None = Field(None, description="The workspace joined through an invite, if any")


class AuthSessionOut(BaseModel):
    id: UUID
    client: str
    user_agent: str | None
    ip_address: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    current: bool


class Membership(BaseModel):
    workspace_id: UUID
    workspace_name: str
    role: Role


class Me(BaseModel):
    id: UUID
    email: str
    display_name: str
    memberships: list[Membership]


# "localtime" is this machine's zone file, not an IANA name: PostgreSQL does not know it (AT TIME ZONE refuses it).
TIME_ZONES = sorted(available_timezones() - {"localtime"})
_KNOWN_ZONES = frozenset(TIME_ZONES)


def settings_schema(level: SettingsLevel) -> dict[str, Any]:
    """The JSON schema of the settings a request may set at `level`: keys of other levels only as null (inherit),
    and max_attempts_per_question 1 or null where allow_retries is false."""
    schema = contract_schema(WorkspaceSettings)
    for key, prop in schema["properties"].items():
        if level not in prop.get("x-levels", []):
            schema["properties"][key] = {"type": "null", "description": f"{key} is not set at the {level} level"}
    schema["if"] = {"properties": {"allow_retries": {"const": False}}, "required": ["allow_retries"]}
    schema["then"] = {"properties": {"max_attempts_per_question": {"enum": [None, 1]}}}
    return schema


class WorkspaceCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field("UTC", max_length=64, json_schema_extra={"enum": TIME_ZONES})

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _KNOWN_ZONES:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)")
        return value


class WorkspaceUpdate(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    timezone: str | None = Field(None, max_length=64, json_schema_extra={"enum": [*TIME_ZONES, None]})
    settings: dict[str, Any] | None = Field(None, description="WorkspaceSettings (docs/jsonb-contracts.md)",
                                            json_schema_extra=settings_schema("workspace"))

    _zone = field_validator("timezone")(WorkspaceCreate._known_zone.__func__)


class WorkspaceOut(BaseModel):
    id: UUID
    name: str
    timezone: str
    settings: dict[str, Any]
    role: Role
    created_at: datetime


class MemberOut(BaseModel):
    user_id: UUID
    display_name: str
    email: str
    role: Role
    student_profile_id: UUID | None = Field(description="A student's own profile, or the student a guardian follows")
    joined_at: datetime


class StudentCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    parent_email: EmailStr | None = None
    academic_year: int | None = Field(None, ge=1900, le=2200)
    cohort_name: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=10000)
    settings: dict[str, Any] = Field(default_factory=dict, description="Student-level WorkspaceSettings keys",
                                     json_schema_extra=settings_schema("student"))


class StudentUpdate(Strict):
    not_null = ("name",)

    name: str | None = Field(None, min_length=1, max_length=200)
    email: EmailStr | None = None
    parent_email: EmailStr | None = None
    academic_year: int | None = Field(None, ge=1900, le=2200)
    cohort_id: UUID | None = Field(None, description="The cohort the student is compared with (analytics); students sharing it are one cohort")
    cohort_name: str | None = Field(None, max_length=200)
    study_program_id: UUID | None = Field(None, description="A study program (GET /programs)")
    grade_level_id: UUID | None = Field(None, description="A grade level (GET /programs)")
    notes: str | None = Field(None, max_length=10000)
    settings: dict[str, Any] | None = Field(None, json_schema_extra=settings_schema("student"))
    archived: bool | None = None


class StudentOut(BaseModel):
    id: UUID
    name: str
    email: str | None
    parent_email: str | None
    user_id: UUID | None
    academic_year: int | None
    cohort_id: UUID | None
    cohort_name: str | None
    study_program_id: UUID | None
    grade_level_id: UUID | None
    notes: str | None = None
    settings: dict[str, Any]
    archived_at: datetime | None
    created_at: datetime


class InviteCreate(Strict):
    role: Literal["student", "guardian"] = "student"
    email: EmailStr | None = Field(None, description="Defaults to the student's email (students) — required for guardians")
    expires_in_days: int = Field(7, ge=1, le=60)


class TutorInviteCreate(Strict):
    email: EmailStr
    expires_in_days: int = Field(7, ge=1, le=60)


class MemberUpdate(Strict):
    role: Literal["owner", "tutor"] = Field(description="Staff roles only; students and guardians join by invite")


class InviteOut(BaseModel):
    id: UUID
    role: str
    email: str
    expires_at: datetime
    token: str = Field(description="The secret of the link; shown once, never stored")
    accept_path: str


class StudentInviteState(BaseModel):
    student_profile_id: UUID
    last_sent_at: datetime = Field(description="When the student's latest invite was issued")
    open_until: datetime | None = Field(description="The latest invite's expiry while it can still be accepted; "
                                                    "null once it was used, revoked or expired")


class InvitePreview(BaseModel):
    workspace_name: str
    email: str
    role: str
    student_name: str | None
    expires_at: datetime
    state: Literal["open"] = Field(description="Always open: a used, revoked or expired link is not found")
