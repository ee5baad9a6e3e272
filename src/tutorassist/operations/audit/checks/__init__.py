"""The audit's checks, one module per category; importing this package registers them all."""

from tutorassist.operations.audit.checks import (  # noqa: F401 - imported to register their checks
    contracts,
    counters,
    exposure,
    freshness,
    indexes,
    migrations,
    orphans,
    rls,
    storage,
)
