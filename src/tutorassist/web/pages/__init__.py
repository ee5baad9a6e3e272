"""One module per area of pages, each with its own `router` (see tutorassist.web.app)."""
