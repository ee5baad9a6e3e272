"""The database: where it runs, how the application connects and acts, and its migrations."""
