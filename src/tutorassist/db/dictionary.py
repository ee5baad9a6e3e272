"""The data dictionary (docs/data-dictionary.md), generated from the COMMENTs and catalog of a migrated database."""

from __future__ import annotations

from pathlib import Path

import psycopg

DICTIONARY_PATH = Path(__file__).resolve().parents[3] / "docs" / "data-dictionary.md"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def render(conn: psycopg.Connection) -> str:
    relations = conn.execute(
        """SELECT c.oid, c.relname, c.relkind, obj_description(c.oid, 'pg_class'), c.relrowsecurity
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'm', 'v')
             AND c.relname <> 'alembic_version'
           ORDER BY CASE c.relkind WHEN 'r' THEN 0 WHEN 'm' THEN 1 ELSE 2 END, c.relname"""
    ).fetchall()
    out = [
        "# Data dictionary",
        "",
        "Generated from the database's own `COMMENT`s by `tutorassist db docs` on a database migrated to head;"
        " a test keeps it equal to what the migrations produce. JSONB structures: [jsonb-contracts.md](jsonb-contracts.md).",
        "",
        "| table | kind | row-level security | description |",
        "|---|---|---|---|",
    ]
    kinds = {"r": "table", "m": "materialized view", "v": "view"}
    for _oid, name, kind, comment, rls in relations:
        out.append(f"| [{name}](#{name}) | {kinds[kind]} | {'forced' if rls else '—'} | {_cell(comment)} |")
    for oid, name, kind, comment, _rls in relations:
        out += ["", f"## {name}", "", _cell(comment), "", "| column | type | null | default | description |", "|---|---|---|---|---|"]
        for col, typ, notnull, default, generated, description in conn.execute(
            """SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                      pg_get_expr(d.adbin, d.adrelid), a.attgenerated <> '', col_description(a.attrelid, a.attnum)
               FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
               WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum""",
            (oid,),
        ):
            shown_default = f"generated: `{default}`" if generated else (f"`{default}`" if default else "")
            out.append(f"| {col} | {typ} | {'' if notnull else 'yes'} | {_cell(shown_default)} | {_cell(description)} |")
        constraints = conn.execute(
            """SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s
               ORDER BY CASE contype WHEN 'p' THEN 0 WHEN 'u' THEN 1 WHEN 'f' THEN 2 ELSE 3 END, conname""",
            (oid,),
        ).fetchall()
        if constraints:
            out += ["", "Constraints:", ""] + [f"- `{n}`: `{_cell(d)}`" for n, d in constraints]
        indexes = conn.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               WHERE x.indrelid = %s AND NOT x.indisprimary ORDER BY 1""",
            (oid,),
        ).fetchall()
        if indexes:
            out += ["", "Indexes:", ""] + [f"- `{_cell(d.split(' USING ', 1)[0].replace('CREATE ', '').replace(' ON public.' + name, ''))}` using `{_cell(d.split(' USING ', 1)[1])}`" for _n, d in indexes]
        triggers = conn.execute(
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s AND NOT tgisinternal ORDER BY 1",
            (oid,),
        ).fetchall()
        if triggers:
            out += ["", "Triggers:", ""] + [f"- `{n}`: {_cell(d.split(n, 1)[1].strip())}" for n, d in triggers]
        policies = conn.execute(
            "SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE schemaname = 'public' AND tablename = %s ORDER BY 1",
            (name,),
        ).fetchall()
        if policies:
            out += ["", "Policies:", ""] + [
                f"- `{p}` ({cmd}): using `{_cell(q)}`" + (f", check `{_cell(c)}`" if c else "") for p, cmd, q, c in policies
            ]
    out += ["", "## Functions", "", "| function | description |", "|---|---|"]
    for sig, description in conn.execute(
        """SELECT p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc') FROM pg_proc p
           WHERE p.pronamespace IN ('public'::regnamespace, 'app'::regnamespace)
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
           ORDER BY 1"""
    ):
        out.append(f"| `{sig}` | {_cell(description)} |")
    return "\n".join(out) + "\n"


def write(conn: psycopg.Connection, path: Path = DICTIONARY_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(conn))
    return path
