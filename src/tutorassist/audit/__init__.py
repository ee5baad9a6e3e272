"""The audit trail of changes to core tables."""
