"""JSONB contracts: every stored value of a column with a contract (tutorassist.kit.jsonb) validates against it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pydantic import ValidationError

from tutorassist.kit.jsonb import JsonbColumn, jsonb_registry, validate_contract
from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "contracts"


def _columns() -> list[JsonbColumn]:
    import tutorassist.contracts  # noqa: F401 - every domain registers its contracts on import

    return list(jsonb_registry().values())


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "(value)"
    return f"{where}: {error['msg']}"


@check(CATEGORY)
def jsonb_contracts(ctx: AuditContext) -> Iterator[Finding]:
    """Every stored JSONB value validates against its column's contract (read in batches by a server-side cursor)."""
    for column in _columns():
        where = f"public.{column.table}.{column.column}"
        checked, bad, examples, reasons = 0, 0, [], Counter()
        # A named (server-side) cursor streams the table in batches instead of loading it whole.
        with ctx.conn.transaction(), ctx.conn.cursor(name=f"audit_{column.table}_{column.column}") as cursor:
            cursor.itersize = ctx.jsonb_batch_size
            cursor.execute(f'SELECT id::text, "{column.column}" FROM public."{column.table}" '
                           f'WHERE "{column.column}" IS NOT NULL')
            while batch := cursor.fetchmany(ctx.jsonb_batch_size):
                for row_id, value in batch:
                    checked += 1
                    try:
                        validate_contract(column.contract.adapter, value, context=column.context)
                    except ValidationError as exc:
                        bad += 1
                        reasons[_first_error(exc)] += 1
                        if len(examples) < ctx.examples:
                            examples.append(row_id)
        if bad:
            commonest = "; ".join(f"{reason} ({count})" for reason, count in reasons.most_common(ctx.examples))
            yield Finding(Level.ERROR, CATEGORY, where,
                          f"{bad} of {checked} value(s) break the {column.contract.name} contract "
                          f"(rows {', '.join(examples)}): {commonest}",
                          f"correct the rows (docs/jsonb-contracts.md#{column.contract.name.lower()} says what is "
                          "valid); find what wrote them past validate_jsonb", f"jsonb_contract:{where}")
