"""What the API roles can reach past row-level security: SECURITY DEFINER functions and views, materialized views,
sensitive columns without RLS; functions whose search_path a caller can change; extensions in `public`."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "exposure"

_API_CAN = """(has_{kind}_privilege('tutorassist_app', {oid}, '{priv}')
               OR has_{kind}_privilege('tutorassist_learner', {oid}, '{priv}'))"""

# A view that restricts its rows to the acting workspace or student computes them with one of these helpers.
_TENANCY_FILTER = re.compile(
    r"app\.(staff_workspace|acting_workspace|acting_workspaces|learner_user_id|learner_profile_id|practising_student_id|"
    r"visible_user_ids|learner_assignment_ids)\s*\(", re.IGNORECASE)

SENSITIVE_COLUMNS = frozenset({
    "password", "passwd", "pwd", "passphrase", "secret", "secret_key", "private_key", "api_key", "apikey", "auth_key",
    "token", "jwt", "access_token", "refresh_token", "oauth_token", "session_token", "bearer_token", "auth_code",
    "session_id", "session_key", "session_secret", "recovery_code", "backup_code", "verification_code", "otp",
    "two_factor", "password_hash", "token_hash", "ssn", "credit_card", "card_number", "cvv", "iban", "bank_account",
    "account_number", "tax_id", "passport_number", "national_id", "medical_record", "health_record",
})
"""Column names that hold credentials or personal identifiers (Supabase splinter's list, plus our *_hash columns)."""


@check(CATEGORY)
def function_search_path(ctx: AuditContext) -> Iterator[Finding]:
    """Functions pin their search_path (a caller's search_path cannot redirect what they call)."""
    rows = ctx.rows(
        """SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), p.prosecdef
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'extensions') AND n.nspname NOT LIKE 'pg\\_%%'
             AND p.prokind IN ('f', 'p')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
             AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS c WHERE c LIKE 'search\\_path=%%')
           ORDER BY 1, 2, 3""")
    for schema, name, args, definer in rows:
        signature = f"{schema}.{name}({args})"
        yield Finding(Level.ERROR if definer else Level.WARNING, CATEGORY, signature,
                      ("a SECURITY DEFINER function" if definer else "a function") + " without a pinned search_path "
                      "resolves names through its caller's search_path" + (", with its owner's rights" if definer else ""),
                      f"ALTER FUNCTION {signature} SET search_path = pg_catalog, public (in a migration)",
                      f"function_search_path_mutable:{signature}")


@check(CATEGORY)
def security_definer_functions(ctx: AuditContext) -> Iterator[Finding]:
    """SECURITY DEFINER functions: none executable by PUBLIC; those the API roles may call are listed (info)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
                  p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                               WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'),
                  {_API_CAN.format(kind='function', oid='p.oid', priv='EXECUTE')}
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
           ORDER BY 1, 2, 3""")
    for schema, name, args, public, api in rows:
        signature = f"{schema}.{name}({args})"
        if public:
            yield Finding(Level.ERROR, CATEGORY, signature,
                          "every role may execute this SECURITY DEFINER function (EXECUTE granted to PUBLIC), "
                          "which runs with its owner's rights past row-level security",
                          f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC; grant it to the roles that need it",
                          f"security_definer_public:{signature}")
        elif api:
            yield Finding(Level.INFO, CATEGORY, signature,
                          "the API roles may execute this SECURITY DEFINER function: it must check who acts itself",
                          "nothing if it is one of the narrow entry points the migrations document",
                          f"security_definer_api:{signature}")


@check(CATEGORY)
def definer_views(ctx: AuditContext) -> Iterator[Finding]:
    """Views the API roles read with their owner's rights (no security_invoker): filtered by tenancy, or not."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname, pg_get_viewdef(c.oid)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'v' AND n.nspname = ANY(%s)
             AND {_API_CAN.format(kind='table', oid='c.oid', priv='SELECT')}
             AND NOT (lower(coalesce(c.reloptions::text, '{{}}'))::text[]
                      && ARRAY['security_invoker=1', 'security_invoker=true', 'security_invoker=yes',
                               'security_invoker=on'])
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
           ORDER BY 1, 2""",
        (ctx.api_schemas,))
    for schema, view, definition in rows:
        name = f"{schema}.{view}"
        helpers = sorted({m.lower() for m in _TENANCY_FILTER.findall(definition)})
        if helpers:
            yield Finding(Level.INFO, CATEGORY, name,
                          f"a view with its owner's rights, filtered by the acting workspace or student "
                          f"(app.{', app.'.join(helpers)})", "nothing: the filter is its row-level security",
                          f"security_definer_view_filtered:{name}")
        else:
            yield Finding(Level.ERROR, CATEGORY, name,
                          "the API roles read this view with its owner's rights and it restricts no rows to the "
                          "acting workspace: every workspace's rows are visible",
                          f"ALTER VIEW {name} SET (security_invoker = on), or filter it by (SELECT app.staff_workspace())",
                          f"security_definer_view_unfiltered:{name}")


@check(CATEGORY)
def materialized_views_readable(ctx: AuditContext) -> Iterator[Finding]:
    """No materialized view is readable by the API roles (materialized views have no row-level security)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'm' AND n.nspname = ANY(%s) AND {_API_CAN.format(kind='table', oid='c.oid', priv='SELECT')}
           ORDER BY 1, 2""",
        (ctx.api_schemas,))
    for schema, view in rows:
        name = f"{schema}.{view}"
        yield Finding(Level.WARNING, CATEGORY, name,
                      "the API roles read a materialized view directly: it has no row-level security",
                      f"REVOKE SELECT ON {name} FROM tutorassist_app, tutorassist_learner; read it through a filtered "
                      "v_* view", f"materialized_view_readable:{name}")


@check(CATEGORY)
def sensitive_columns(ctx: AuditContext) -> Iterator[Finding]:
    """No credential-like column is readable by the API roles on a table without row-level security."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname, array_agg(a.attname::text ORDER BY a.attname)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE c.relkind IN ('r', 'p') AND NOT c.relrowsecurity AND n.nspname = ANY(%s)
             AND replace(lower(a.attname), '-', '_') = ANY(%s)
             AND {_API_CAN.format(kind='column', oid='c.oid, a.attname', priv='SELECT')}
           GROUP BY 1, 2 ORDER BY 1, 2""",
        (ctx.api_schemas, sorted(SENSITIVE_COLUMNS)))
    for schema, table, columns in rows:
        name = f"{schema}.{table}"
        yield Finding(Level.ERROR, CATEGORY, name,
                      f"the API roles read {', '.join(columns)} of every row (no row-level security)",
                      "revoke the column grants or enable row-level security", f"sensitive_columns_exposed:{name}")


@check(CATEGORY)
def extensions_placed(ctx: AuditContext) -> Iterator[Finding]:
    """Extensions live outside `public` and at the version the server recommends."""
    rows = ctx.rows(
        """SELECT e.extname, e.extnamespace::regnamespace::text, e.extversion, a.default_version
           FROM pg_extension e LEFT JOIN pg_available_extensions a ON a.name = e.extname
           WHERE e.extname <> 'plpgsql' ORDER BY 1""")
    for name, schema, installed, default in rows:
        if schema == "public":
            yield Finding(Level.WARNING, CATEGORY, f"extension {name}",
                          "installed in public, where its functions and operators mix with ours and the API roles "
                          "resolve them first", f"ALTER EXTENSION {name} SET SCHEMA extensions",
                          f"extension_in_public:{name}")
        if default is not None and installed != default:
            yield Finding(Level.WARNING, CATEGORY, f"extension {name}",
                          f"version {installed} is installed, the server offers {default}",
                          f"ALTER EXTENSION {name} UPDATE (in a migration)", f"extension_outdated:{name}")
