"""The HTTP API: the FastAPI application, request context (who acts, in which workspace), routers by domain."""
