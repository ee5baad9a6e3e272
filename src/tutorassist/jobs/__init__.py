"""The background job queue."""
