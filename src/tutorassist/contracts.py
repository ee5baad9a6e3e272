"""Every domain's JSONB contracts, registered with `tutorassist.kit.jsonb`.

Each domain's `contracts.py` registers its own columns when it is imported (kit imports no domain). Import this
module wherever the whole registry must be known: the API app, the contract tests, and the docs generator:

    python -m tutorassist.contracts    # rewrites docs/jsonb-contracts.md
"""

from __future__ import annotations

from tutorassist.identity import contracts as identity  # noqa: F401
from tutorassist.learning import contracts as learning  # noqa: F401
from tutorassist.questions import contracts as questions  # noqa: F401
from tutorassist.scheduling import contracts as scheduling  # noqa: F401

if __name__ == "__main__":
    from tutorassist.kit.jsonb_docs import write_contracts_markdown

    print(f"wrote {write_contracts_markdown()}")
