"""Identity use cases: accounts, sign-in sessions, workspaces, members, students and invites."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx, token_hash
from tutorassist.identity import schemas
from tutorassist.identity.security import candidate_hash, hash_password, needs_rehash, new_token
from tutorassist.kit.problems import Problem, checked_jsonb

SESSION_LIFETIME = {"browser": timedelta(days=30), "api": timedelta(days=90)}
FAILURE_WINDOW = timedelta(minutes=15)  # the window app.check_password limits failures in (for Retry-After)


def _settings(value: dict[str, Any], level: str) -> str:
    table = {"workspace": "workspaces", "student": "student_profiles", "assignment": "assignments"}[level]
    return checked_jsonb(table, "settings_json", value, "settings")


# ---------------------------------------------------------------- accounts and sessions
def _open_session(tx: Tx, user_id: UUID, client: str, ctx: RequestContext) -> schemas.SessionOut:
    token, hashed = new_token()
    expires = datetime.now(timezone.utc) + SESSION_LIFETIME[client]
    tx.conn.execute(text("SELECT set_config('app.user_id', :u, true)"), {"u": str(user_id)})
    session_id = tx.scalar(
        "INSERT INTO auth_sessions (user_id, token_hash, client, user_agent, ip_address, expires_at) "
        "VALUES (:u, :h, :c, :ua, CAST(:ip AS inet), :e) RETURNING id",
        u=user_id, h=hashed, c=client, ua=ctx.user_agent, ip=_inet(ctx.ip), e=expires,
    )
    return schemas.SessionOut(session_id=session_id, token=token, expires_at=expires, user_id=user_id)


def _inet(ip: str | None) -> str | None:
    import ipaddress

    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:  # test clients and proxies may report a name, not an address
        return None


def sign_up(ctx: RequestContext, body: schemas.SignUp) -> schemas.SessionOut:
    with ctx.tx(signed_in=False) as tx:
        user_id = tx.scalar("SELECT app.sign_up(:e, :n, :p)", e=body.email, n=body.display_name, p=hash_password(body.password))
        session = _open_session(tx, user_id, body.client, ctx)
        if body.invite_token:
            session.workspace_id = tx.scalar("SELECT app.accept_invite(:h)", h=token_hash(body.invite_token))
        return session


@dataclass
class _Refusal:
    status: int
    title: str
    detail: str
    headers: dict[str, str] | None = None


def sign_in(ctx: RequestContext, body: schemas.SignIn) -> schemas.SessionOut:
    refusal: _Refusal | None = None
    # The failure must be recorded even though the request fails, so the transaction commits and we refuse after.
    # The database holds the limits (app.check_password); we only say which refusal it was.
    with ctx.tx(signed_in=False) as tx:
        parameters = tx.one("SELECT * FROM app.password_parameters(:e)", e=body.email)
        candidate = candidate_hash(body.password, parameters)
        result = tx.one("SELECT * FROM app.check_password(:e, :c, CAST(:ip AS inet))",
                        e=body.email, c=candidate, ip=_inet(ctx.ip))
        if result["outcome"] == "signed_in":
            if needs_rehash(candidate):
                tx.scalar("SELECT app.replace_password_hash(:u, :old, :new)",
                          u=result["user_id"], old=candidate, new=hash_password(body.password))
            return _open_session(tx, result["user_id"], body.client, ctx)
        if result["outcome"] == "limited":
            refusal = _Refusal(429, "Too many failed sign-ins", "too many failed sign-ins; try again in 15 minutes",
                               {"Retry-After": str(int(FAILURE_WINDOW.total_seconds()))})
        else:
            refusal = _Refusal(401, "Unauthorized", "wrong email or password")
    raise Problem(refusal.status, refusal.title, refusal.detail, **({"headers": refusal.headers} if refusal.headers else {}))


def sign_out(ctx: RequestContext) -> None:
    with ctx.tx() as tx:
        tx.conn.execute(text("UPDATE auth_sessions SET revoked_at = now() WHERE token_hash = :h AND revoked_at IS NULL"),
                        {"h": token_hash(ctx.token or "")})


def list_sessions(ctx: RequestContext) -> list[schemas.AuthSessionOut]:
    with ctx.tx() as tx:
        rows = tx.all("SELECT id, client, user_agent, host(ip_address) AS ip_address, created_at, last_used_at, expires_at, "
                      "revoked_at, token_hash = :h AS current FROM auth_sessions ORDER BY created_at DESC",
                      h=token_hash(ctx.token or ""))
        return [schemas.AuthSessionOut(**r) for r in rows]


def revoke_session(ctx: RequestContext, session_id: UUID) -> None:
    with ctx.tx() as tx:
        found = tx.conn.execute(text("UPDATE auth_sessions SET revoked_at = coalesce(revoked_at, now()) WHERE id = :i"),
                                {"i": session_id}).rowcount
        if not found:
            raise Problem(404, "Not found", "no such session")


def me(ctx: RequestContext) -> schemas.Me:
    with ctx.tx() as tx:
        user = tx.one("SELECT id, email::text AS email, display_name FROM users WHERE id = :u", u=tx.user_id)
        memberships = tx.all("SELECT workspace_id, name AS workspace_name, role FROM app.my_workspaces() "
                             "ORDER BY name, workspace_id")
        return schemas.Me(**user, memberships=[schemas.Membership(**m) for m in memberships])


# ---------------------------------------------------------------- workspaces and members
_WORKSPACE = ("SELECT w.id, w.name, w.timezone, w.settings_json AS settings, w.created_at, m.role FROM workspaces w "
              "JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = :u")
# Outside a workspace (row-level security shows none) a user reads their own memberships through app.my_workspaces().
_MY_WORKSPACES = "SELECT workspace_id AS id, name, timezone, settings, created_at, role FROM app.my_workspaces()"


def create_workspace(ctx: RequestContext, body: schemas.WorkspaceCreate) -> schemas.WorkspaceOut:
    with ctx.tx() as tx:
        ws = tx.scalar("SELECT app.create_workspace(:n, :z)", n=body.name, z=body.timezone)
        return schemas.WorkspaceOut(**tx.one(_MY_WORKSPACES + " WHERE workspace_id = :w", w=ws))


def list_workspaces(ctx: RequestContext) -> list[schemas.WorkspaceOut]:
    with ctx.tx() as tx:
        return [schemas.WorkspaceOut(**r) for r in tx.all(_MY_WORKSPACES + " ORDER BY name, workspace_id")]


def get_workspace(ctx: RequestContext, ws: UUID) -> schemas.WorkspaceOut:
    with ctx.tx(ws) as tx:
        return schemas.WorkspaceOut(**tx.one(_WORKSPACE + " WHERE w.id = :w", u=tx.user_id, w=ws))


def update_workspace(ctx: RequestContext, ws: UUID, body: schemas.WorkspaceUpdate) -> schemas.WorkspaceOut:
    with ctx.tx(ws) as tx:
        tx.require("owner")
        changes = body.model_dump(exclude_unset=True)
        if "settings" in changes:
            changes["settings_json"] = _settings(changes.pop("settings") or {}, "workspace")
        for column, value in changes.items():
            if value is not None:
                cast = "CAST(:v AS jsonb)" if column == "settings_json" else ":v"
                tx.conn.execute(text(f"UPDATE workspaces SET {column} = {cast} WHERE id = :w"), {"v": value, "w": ws})
        return schemas.WorkspaceOut(**tx.one(_WORKSPACE + " WHERE w.id = :w", u=tx.user_id, w=ws))


def _members(tx: Tx) -> list[schemas.MemberOut]:
    # A guardian's student is on the membership; a student's own profile is the one linked to their account.
    rows = tx.all("SELECT m.user_id, u.display_name, u.email::text AS email, m.role, "
                  "CASE WHEN m.role = 'student' THEN p.id ELSE m.student_profile_id END AS student_profile_id, m.joined_at "
                  "FROM workspace_members m JOIN users u ON u.id = m.user_id "
                  "LEFT JOIN student_profiles p ON p.workspace_id = m.workspace_id AND p.user_id = m.user_id "
                  "WHERE m.workspace_id = :w ORDER BY m.role, u.display_name, m.user_id", w=tx.workspace_id)
    return [schemas.MemberOut(**r) for r in rows]


def list_members(ctx: RequestContext, ws: UUID) -> list[schemas.MemberOut]:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        return _members(tx)


# ---------------------------------------------------------------- students
# Private notes are staff-only: the learner role has no column grant on them.
_STUDENT = ("SELECT id, name, email::text AS email, parent_email::text AS parent_email, user_id, academic_year, cohort_id, "
            "cohort_name, study_program_id, grade_level_id, "
            "{notes} AS notes, settings_json AS settings, archived_at, created_at FROM student_profiles")


def visible_student(tx: Tx, student_id: UUID) -> dict:
    """Staff see every student; a student only themself; a guardian only their student (row-level security)."""
    notes = "notes" if tx.role in STAFF else "NULL::text"
    row = tx.one(_STUDENT.format(notes=notes) + " WHERE workspace_id = :w AND id = :s", w=tx.workspace_id, s=student_id)
    if row is None:
        raise Problem(404, "Not found", "no such student")
    return dict(row)


def create_student(ctx: RequestContext, ws: UUID, body: schemas.StudentCreate) -> schemas.StudentOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        sid = tx.scalar(
            "INSERT INTO student_profiles (workspace_id, name, email, parent_email, academic_year, cohort_name, notes, settings_json) "
            "VALUES (:w, :n, :e, :pe, :y, :c, :notes, CAST(:s AS jsonb)) RETURNING id",
            w=ws, n=body.name, e=body.email, pe=body.parent_email, y=body.academic_year, c=body.cohort_name,
            notes=body.notes, s=_settings(body.settings, "student"))
        return schemas.StudentOut(**visible_student(tx, sid))


def list_students(ctx: RequestContext, ws: UUID, include_archived: bool) -> list[schemas.StudentOut]:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = tx.all(_STUDENT.format(notes="notes") + " WHERE workspace_id = :w AND (:all OR archived_at IS NULL) ORDER BY name, id",
                      w=ws, all=include_archived)
        return [schemas.StudentOut(**r) for r in rows]


def get_student(ctx: RequestContext, ws: UUID, student_id: UUID) -> schemas.StudentOut:
    with ctx.tx(ws) as tx:
        return schemas.StudentOut(**visible_student(tx, student_id))


def update_student(ctx: RequestContext, ws: UUID, student_id: UUID, body: schemas.StudentUpdate) -> schemas.StudentOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        visible_student(tx, student_id)
        changes = body.model_dump(exclude_unset=True)
        if "archived" in changes:
            archived = changes.pop("archived")
            tx.conn.execute(text("UPDATE student_profiles SET archived_at = CASE WHEN :a THEN coalesce(archived_at, now()) END "
                                 "WHERE workspace_id = :w AND id = :s"), {"a": bool(archived), "w": ws, "s": student_id})
        if "settings" in changes:
            changes["settings_json"] = _settings(changes.pop("settings") or {}, "student")
        for column, value in changes.items():
            if column == "name" and value is None:
                raise Problem(422, "Validation failed", "name: may not be null", errors=[{"field": "name", "message": "may not be null"}])
            cast = "CAST(:v AS jsonb)" if column == "settings_json" else ":v"
            tx.conn.execute(text(f"UPDATE student_profiles SET {column} = {cast} WHERE workspace_id = :w AND id = :s"),
                            {"v": value, "w": ws, "s": student_id})
        return schemas.StudentOut(**visible_student(tx, student_id))


# ---------------------------------------------------------------- invites
def issue_invite(ctx: RequestContext, ws: UUID, student_id: UUID, body: schemas.InviteCreate) -> schemas.InviteOut:
    """A new single-use link; issuing again revokes the open links of the same student and role."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        student = visible_student(tx, student_id)
        email = body.email or student["email"]
        if email is None:
            raise Problem(422, "Validation failed", "email: the student has no email; give one",
                          errors=[{"field": "email", "message": "required: the student has no email"}])
        if student["archived_at"] is not None:  # its link could never be accepted (app.accept_invite)
            raise Problem(409, "Conflict", "this student is archived: restore them before inviting")
        if body.role == "student" and student["user_id"] is not None:
            raise Problem(409, "Conflict", "this student already has an account")
        tx.conn.execute(text("UPDATE invite_tokens SET revoked_at = now() WHERE workspace_id = :w AND student_profile_id = :s "
                             "AND role = :r AND used_at IS NULL AND revoked_at IS NULL"), {"w": ws, "s": student_id, "r": body.role})
        token, hashed = new_token()
        row = tx.one("INSERT INTO invite_tokens (workspace_id, student_profile_id, email, role, token_hash, created_by, expires_at) "
                     "VALUES (:w, :s, :e, :r, :h, :u, now() + make_interval(days => :d)) RETURNING id, role, email::text AS email, expires_at",
                     w=ws, s=student_id, e=email, r=body.role, h=hashed, u=tx.user_id, d=body.expires_in_days)
        return schemas.InviteOut(**row, token=token, accept_path=f"/invites/{token}")


def student_invite_states(ctx: RequestContext, ws: UUID,
                          student_id: UUID | None = None) -> dict[UUID, schemas.StudentInviteState]:
    """Per student profile ever invited (as a student; only `student_id` when given): when the latest invite went
    out and whether it is still open."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = tx.all("SELECT DISTINCT ON (student_profile_id) student_profile_id, created_at AS last_sent_at, "
                      "CASE WHEN used_at IS NULL AND revoked_at IS NULL AND expires_at > now() THEN expires_at END AS open_until "
                      "FROM invite_tokens WHERE workspace_id = :w AND role = 'student' AND student_profile_id IS NOT NULL "
                      "AND (CAST(:s AS uuid) IS NULL OR student_profile_id = :s) "
                      "ORDER BY student_profile_id, created_at DESC, id", w=ws, s=student_id)
        return {r["student_profile_id"]: schemas.StudentInviteState(**r) for r in rows}


def issue_tutor_invite(ctx: RequestContext, ws: UUID, body: schemas.TutorInviteCreate) -> schemas.InviteOut:
    """An owner invites another tutor to the practice (single use, expiring)."""
    with ctx.tx(ws) as tx:
        tx.require("owner")
        token, hashed = new_token()
        row = tx.one("INSERT INTO invite_tokens (workspace_id, email, role, token_hash, created_by, expires_at) "
                     "VALUES (:w, :e, 'tutor', :h, :u, now() + make_interval(days => :d)) "
                     "RETURNING id, role, email::text AS email, expires_at",
                     w=ws, e=body.email, h=hashed, u=tx.user_id, d=body.expires_in_days)
        return schemas.InviteOut(**row, token=token, accept_path=f"/invites/{token}")


def _owners(tx: Tx) -> int:
    return tx.scalar("SELECT count(*) FROM workspace_members WHERE workspace_id = :w AND role = 'owner'", w=tx.workspace_id)


def _member_role(tx: Tx, user_id: UUID) -> str:
    role = tx.scalar("SELECT role FROM workspace_members WHERE workspace_id = :w AND user_id = :u FOR UPDATE",
                     w=tx.workspace_id, u=user_id)
    if role is None:
        raise Problem(404, "Not found", "no such member")
    return role


def update_member(ctx: RequestContext, ws: UUID, user_id: UUID, body: schemas.MemberUpdate) -> schemas.MemberOut:
    """Make a tutor an owner or an owner a tutor; the workspace always keeps an owner."""
    with ctx.tx(ws) as tx:
        tx.require("owner")
        current = _member_role(tx, user_id)
        if current not in STAFF:
            raise Problem(409, "Conflict", f"a {current} cannot become {body.role}: invite them as staff instead")
        if current == "owner" and body.role != "owner" and _owners(tx) == 1:
            raise Problem(409, "Conflict", "the workspace must keep at least one owner")
        tx.conn.execute(text("UPDATE workspace_members SET role = :r WHERE workspace_id = :w AND user_id = :u"),
                        {"r": body.role, "w": ws, "u": user_id})
        return next(m for m in _members(tx) if m.user_id == user_id)


def remove_member(ctx: RequestContext, ws: UUID, user_id: UUID) -> None:
    """Owners remove anyone but the last owner; any member may leave. A removed student's profile and history stay."""
    with ctx.tx(ws) as tx:
        if user_id != tx.user_id:
            tx.require("owner")
        role = _member_role(tx, user_id)
        if role == "owner" and _owners(tx) == 1:
            raise Problem(409, "Conflict", "the workspace must keep at least one owner")
        tx.conn.execute(text("DELETE FROM workspace_members WHERE workspace_id = :w AND user_id = :u"), {"w": ws, "u": user_id})


def revoke_invite(ctx: RequestContext, ws: UUID, invite_id: UUID) -> None:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        state = tx.one("SELECT used_at, revoked_at FROM invite_tokens WHERE workspace_id = :w AND id = :i", w=ws, i=invite_id)
        if state is None:
            raise Problem(404, "Not found", "no such invite")
        if state["used_at"] is not None:
            raise Problem(409, "Conflict", "this invite was already used")
        tx.conn.execute(text("UPDATE invite_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE workspace_id = :w AND id = :i"),
                        {"w": ws, "i": invite_id})


def preview_invite(ctx: RequestContext, token: str) -> schemas.InvitePreview:
    with ctx.tx(signed_in=False) as tx:
        row = tx.one("SELECT * FROM app.invite_by_token(:h)", h=token_hash(token))
        if row is None:
            raise Problem(404, "Not found", "no such invite")
        return schemas.InvitePreview(**row)


def accept_invite(ctx: RequestContext, token: str) -> schemas.Membership:
    with ctx.tx() as tx:
        ws = tx.scalar("SELECT app.accept_invite(:h)", h=token_hash(token))
        row = tx.one("SELECT workspace_id, name AS workspace_name, role FROM app.my_workspaces() WHERE workspace_id = :w", w=ws)
        return schemas.Membership(**row)
