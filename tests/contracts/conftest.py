"""The contract tests read the whole registry: every domain's contracts module is imported (and so registered)."""

import tutorassist.contracts  # noqa: F401
