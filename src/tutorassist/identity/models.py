"""ORM models of the identity domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import CITEXT, INET
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class User(Base):
    """People who can sign in (replaces Supabase auth.users); global, shared by every workspace they belong to"""

    __tablename__ = "users"
    __table_args__ = {"comment": __doc__}

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"), comment="User id")
    email: Mapped[str] = mapped_column(CITEXT, unique=True, comment="Sign-in email, unique case-insensitively")
    display_name: Mapped[str] = mapped_column(comment="Name shown to other members")
    password_hash: Mapped[str | None] = mapped_column(
        comment=(
            "argon2id hash of the password; NULL for accounts that cannot sign in with a password. Never "
            "readable by the application role"
        ),
    )
    email_verified_at: Mapped[datetime | None] = mapped_column(
        comment="When the email address was confirmed, NULL if never"
    )
    is_disabled: Mapped[bool] = mapped_column(server_default=text("false"), comment="A disabled user cannot sign in")
    last_sign_in_at: Mapped[datetime | None] = mapped_column(comment="Time of the last successful sign-in")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class Workspace(Base):
    """Multi-tenant boundary: one tutoring practice (a tutor or a small business) and everything it owns"""

    __tablename__ = "workspaces"
    __table_args__ = (
        Index("idx_workspaces_owner", "owner_user_id"),
        {"comment": __doc__},
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True,
        server_default=text("gen_random_uuid()"),
        comment="Workspace id; every tenant table carries it as workspace_id",
    )
    name: Mapped[str] = mapped_column(comment="Display name of the practice")
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The user who created the workspace"
    )
    timezone: Mapped[str] = mapped_column(
        server_default="UTC", comment="IANA time zone of the workspace (validated by the API against the zone database)"
    )
    settings_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment=(
            "Workspace-level settings (WorkspaceSettings); the last fallback of assignment -> student -> "
            "workspace resolution"
        ),
    )
    archived_at: Mapped[datetime | None] = mapped_column(comment="When the workspace was archived; NULL while active")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class WorkspaceMember(Base):
    """Who belongs to a workspace and with which role; the basis of row-level security"""

    __tablename__ = "workspace_members"
    __table_args__ = (
        Index("idx_workspace_members_user", "user_id", "workspace_id"),
        Index("idx_workspace_members_invited_by", "invited_by"),
        Index("idx_workspace_members_student_profile", "workspace_id", "student_profile_id"),
        ForeignKeyConstraint(
            ["workspace_id", "student_profile_id"],
            ["student_profiles.workspace_id", "student_profiles.id"],
            ondelete="CASCADE",
            name="workspace_members_student_profile_fkey",
        ),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, comment="The member"
    )
    role: Mapped[str] = mapped_column(comment="owner | tutor | student | guardian (read-only parent of one student)")
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The member who invited this one, if any"
    )
    joined_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the user joined the workspace"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )
    student_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="For a guardian: the one student whose progress they may see (required for guardians, NULL otherwise)"
    )


class StudentProfile(Base):
    """A student of the workspace; exists before the student signs up (invite-before-signup), linked to a user afterwards"""

    __tablename__ = "student_profiles"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id"),
        UniqueConstraint("workspace_id", "email"),
        Index("idx_student_profiles_user", "user_id"),
        Index("idx_student_profiles_program", "study_program_id"),
        Index("idx_student_profiles_grade", "grade_level_id"),
        Index("idx_student_profiles_cohort", "workspace_id", "cohort_id", "academic_year"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Student profile id"
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The signed-up user; NULL until the invite is accepted"
    )
    name: Mapped[str] = mapped_column(comment="Student name as the tutor entered it")
    email: Mapped[str | None] = mapped_column(
        CITEXT, comment="Email the invite goes to; may differ from the user's sign-in email"
    )
    parent_email: Mapped[str | None] = mapped_column(CITEXT, comment="Guardian contact for progress reports")
    study_program_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("study_programs.id", ondelete="SET NULL"), comment="Curriculum the student follows"
    )
    grade_level_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("grade_levels.id", ondelete="SET NULL"), comment="Current grade level"
    )
    academic_year: Mapped[int | None] = mapped_column(
        comment="Academic year (starting calendar year) for year-over-year cohort analytics"
    )
    cohort_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="Cohort the student is compared with (tutor-defined group)"
    )
    cohort_name: Mapped[str | None] = mapped_column(comment="Display name of the cohort")
    settings_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment=(
            "Student-level settings (WorkspaceSettings keys); overrides the workspace, overridden by the "
            "assignment"
        ),
    )
    notes: Mapped[str | None] = mapped_column(comment="Private tutor notes")
    archived_at: Mapped[datetime | None] = mapped_column(comment="When the student was archived; NULL while active")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class InviteToken(Base):
    """Single-use, expiring invitations to join a workspace; only a hash of the secret is stored"""

    __tablename__ = "invite_tokens"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "student_profile_id"],
            ["student_profiles.workspace_id", "student_profiles.id"],
            ondelete="CASCADE",
        ),
        UniqueConstraint("workspace_id", "token_hash"),
        Index("idx_invite_tokens_token_hash", "token_hash"),
        Index("idx_invite_tokens_student", "workspace_id", "student_profile_id"),
        Index("idx_invite_tokens_created_by", "created_by"),
        Index("idx_invite_tokens_used_by", "used_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace invited to"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Invite id"
    )
    student_profile_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="The student profile the invite links the new user to (required for student invites)"
    )
    email: Mapped[str] = mapped_column(CITEXT, comment="Address the invite was sent to")
    role: Mapped[str] = mapped_column(
        server_default="student", comment="Role the user gets on acceptance: tutor | student | guardian"
    )
    token_hash: Mapped[str] = mapped_column(
        comment="SHA-256 (hex) of the secret in the invite link; the secret itself is never stored"
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="Member who issued the invite"
    )
    expires_at: Mapped[datetime] = mapped_column(comment="After this the invite cannot be used")
    used_at: Mapped[datetime | None] = mapped_column(comment="When the invite was accepted; set once")
    used_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who accepted the invite"
    )
    revoked_at: Mapped[datetime | None] = mapped_column(comment="When a tutor revoked the invite")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the invite was issued")


class AuthSession(Base):
    """Signed-in sessions (browser cookie or API bearer token); only a hash of the token is stored"""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        Index("idx_auth_sessions_user", "user_id", text("created_at DESC")),
        Index("idx_auth_sessions_expires", "expires_at"),
        {"comment": __doc__},
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Session id (shown to the user to revoke it)"
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), comment="The signed-in user")
    token_hash: Mapped[str] = mapped_column(
        unique=True, comment="SHA-256 (hex) of the session token; the token itself is never stored"
    )
    client: Mapped[str] = mapped_column(comment="browser (cookie) | api (bearer token)")
    user_agent: Mapped[str | None] = mapped_column(comment="User agent at sign-in")
    ip_address: Mapped[str | None] = mapped_column(INET, comment="Client address at sign-in")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the user signed in")
    last_used_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="Last request made with the session"
    )
    expires_at: Mapped[datetime] = mapped_column(comment="The session is refused after this")
    revoked_at: Mapped[datetime | None] = mapped_column(comment="When the session was signed out or revoked")


class SignInAttempt(Base):
    """Sign-in attempts that rate-limit failures per account and per address; app.purge_expired_identity_rows() deletes those older than a day when an operator runs it (nothing schedules it yet)"""

    __tablename__ = "sign_in_attempts"
    __table_args__ = (
        Index("idx_sign_in_attempts_email", "email", "attempted_at"),
        Index("idx_sign_in_attempts_ip", "ip_address", "attempted_at"),
        {"comment": __doc__},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True, comment="Attempt id, increasing")
    email: Mapped[str] = mapped_column(CITEXT, comment="Email the attempt was for (whether or not an account exists)")
    ip_address: Mapped[str | None] = mapped_column(INET, comment="Client address")
    succeeded: Mapped[bool] = mapped_column(comment="Whether the password was right")
    attempted_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When it happened")

