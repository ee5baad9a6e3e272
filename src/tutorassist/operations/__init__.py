"""Operating the database: audit, reconcile, health, retention."""
