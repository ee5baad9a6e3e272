"""Row-level security: on and forced on every tenant table, policies that bind the workspace, are never always true,
compute their helpers once per statement, and one permissive policy per role and command."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tutorassist.operations.audit.checks.policy_text import always_true, unwrapped_calls
from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "rls"

_POLICIES = """
SELECT n.nspname, c.relname, p.polname, p.polpermissive,
       CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE'
                     ELSE 'ALL' END,
       coalesce((SELECT array_agg(CASE r WHEN 0 THEN 'PUBLIC' ELSE r::regrole::text END ORDER BY 1)
                 FROM unnest(p.polroles) AS r), '{}'),
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), c.relrowsecurity
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = ANY(%s)
ORDER BY 1, 2, 3
"""


def _policies(ctx: AuditContext) -> list[tuple]:
    return ctx.rows(_POLICIES, (ctx.api_schemas,))


@check(CATEGORY)
def tenant_tables_rls(ctx: AuditContext) -> Iterator[Finding]:
    """Row-level security is enabled and forced on every tenant table, and each has a policy."""
    rows = ctx.rows(
        """SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                  EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY(%s) ORDER BY 1""",
        (ctx.tenant_tables,))
    for table, enabled, forced, has_policy in rows:
        name = f"public.{table}"
        if not enabled:
            yield Finding(Level.ERROR, CATEGORY, name,
                          "row-level security is disabled on a tenant table: the app role sees every workspace's rows",
                          f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY (in a migration)", f"rls_disabled:{name}")
        elif not forced:
            yield Finding(Level.ERROR, CATEGORY, name,
                          "row-level security is not forced on a tenant table: its owner, and SECURITY DEFINER "
                          "functions it owns, read and write across workspaces unchecked",
                          f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY (in a migration)", f"rls_not_forced:{name}")
        if enabled and not has_policy:
            yield Finding(Level.ERROR, CATEGORY, name, "a tenant table has row-level security but no policy",
                          "add the staff and learner policies on workspace_id (see migration 0011)",
                          f"rls_no_policy:{name}")


@check(CATEGORY)
def other_tables_rls(ctx: AuditContext) -> Iterator[Finding]:
    """Tables outside the tenancy: policies without RLS, RLS without policies, no RLS while the API roles read them."""
    rows = ctx.rows(
        """SELECT n.nspname, c.relname, c.relrowsecurity,
                  EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid),
                  has_table_privilege('tutorassist_app', c.oid, 'SELECT')
                    OR has_table_privilege('tutorassist_learner', c.oid, 'SELECT'),
                  has_table_privilege('tutorassist_app', c.oid, 'INSERT, UPDATE, DELETE')
                    OR has_table_privilege('tutorassist_learner', c.oid, 'INSERT, UPDATE, DELETE')
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)
             AND NOT (n.nspname = 'public' AND c.relname = ANY(%s))
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
           ORDER BY 1, 2""",
        (ctx.api_schemas, ctx.tenant_tables))
    for schema, table, enabled, has_policy, readable, writable in rows:
        name = f"{schema}.{table}"
        if has_policy and not enabled:
            yield Finding(Level.ERROR, CATEGORY, name, "the table has policies but row-level security is disabled, so "
                          "they restrict nothing", f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY, or drop the policies",
                          f"policy_exists_rls_disabled:{name}")
        elif enabled and not has_policy:
            yield Finding(Level.INFO, CATEGORY, name, "row-level security is on with no policy: only the owner and "
                          "SECURITY DEFINER functions reach the rows (deny-all by design?)",
                          "nothing if the table is reached only through functions; otherwise add a policy",
                          f"rls_enabled_no_policy:{name}")
        elif not enabled and writable:
            yield Finding(Level.ERROR, CATEGORY, name, "the API roles can write this table and row-level security is "
                          "off: any signed-in user changes every row", "revoke the write grants or enable row-level "
                          "security with policies", f"rls_disabled_writable:{name}")
        elif not enabled and readable:
            yield Finding(Level.INFO, CATEGORY, name, "the API roles read every row (no row-level security): right "
                          "only for global reference data", "enable row-level security if rows belong to someone",
                          f"rls_disabled_readable:{name}")


@check(CATEGORY)
def policies_sound(ctx: AuditContext) -> Iterator[Finding]:
    """Policies are not always true, bind the workspace on tenant tables, and wrap their helpers in (SELECT ...)."""
    tenant = set(ctx.tenant_tables)
    for schema, table, policy, permissive, command, roles, qual, with_check, _enabled in _policies(ctx):
        name = f"{schema}.{table}"
        obj = f"policy {policy} on {name}"
        key_tail = f"{name}.{policy}"
        # INSERT has no USING; a permissive policy without a qual (or without a check on INSERT) admits every row.
        open_using = command != "INSERT" and (qual is None or always_true(qual))
        open_check = command in ("INSERT", "UPDATE", "ALL") and (
            always_true(with_check) or (with_check is None and (command == "INSERT" or open_using)))
        if permissive and (open_using or open_check):
            on_tenant = schema == "public" and table in tenant
            level = Level.ERROR if on_tenant or command != "SELECT" else Level.WARNING
            yield Finding(level, CATEGORY, obj,
                          f"the {command} policy for {', '.join(roles)} admits every row "
                          f"({'USING' if open_using else 'WITH CHECK'} is always true)",
                          "restrict it to the acting workspace / student, as the other policies do",
                          f"rls_always_true:{key_tail}")
        elif schema == "public" and table in tenant:
            column = "id" if table == "workspaces" else "workspace_id"
            expression = qual if qual is not None else with_check
            # Bound means compared with a tenancy helper; whether the call is wrapped is the next finding's business.
            if not re.search(rf"\b{column} = (\( SELECT )?app\.", expression or ""):
                yield Finding(Level.ERROR, CATEGORY, obj,
                              f"the policy does not bind {column} to the acting workspace",
                              f"make it `{column} = (SELECT app.staff_workspace())` (or the learner's equivalent)",
                              f"rls_policy_unbound:{key_tail}")
        calls = sorted(set(unwrapped_calls(qual) + unwrapped_calls(with_check)))
        if calls:
            yield Finding(Level.WARNING, CATEGORY, obj,
                          f"calls {', '.join(c + '()' for c in calls)} per row instead of once per statement; the "
                          "planner cannot see the value either",
                          "wrap each call: `(SELECT app.staff_workspace())`", f"rls_unwrapped_call:{key_tail}")


@check(CATEGORY)
def single_permissive_policy(ctx: AuditContext) -> Iterator[Finding]:
    """At most one permissive policy per table, role and command (more are OR-ed: slower and easy to open up)."""
    rows = ctx.rows(
        """SELECT n.nspname, c.relname, r.rolname, act.cmd, array_agg(p.polname ORDER BY p.polname)
           FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_roles r ON p.polroles @> ARRAY[r.oid] OR p.polroles = ARRAY[0::oid]
           CROSS JOIN LATERAL unnest(CASE p.polcmd WHEN 'r' THEN ARRAY['SELECT'] WHEN 'a' THEN ARRAY['INSERT']
                 WHEN 'w' THEN ARRAY['UPDATE'] WHEN 'd' THEN ARRAY['DELETE']
                 ELSE ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE'] END) AS act(cmd)
           WHERE p.polpermissive AND n.nspname = ANY(%s) AND NOT r.rolbypassrls AND r.rolname NOT LIKE 'pg\\_%%'
           GROUP BY 1, 2, 3, 4 HAVING count(*) > 1 ORDER BY 1, 2, 3, 4""",
        (ctx.api_schemas,))
    for schema, table, role, command, policies in rows:
        name = f"{schema}.{table}"
        yield Finding(Level.WARNING, CATEGORY, name,
                      f"{len(policies)} permissive {command} policies for {role} ({', '.join(policies)}) are OR-ed",
                      "merge them into one policy per role and command", f"rls_multiple_permissive:{name}.{role}.{command}")
