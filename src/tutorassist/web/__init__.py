"""The web app: server-rendered pages (Jinja2 + a little htmx) for tutors, students and guardians.

Pages call the same domain services as the API, in the same per-request transactions, as the signed-in user; they
never call the API over HTTP. See docs/web.md.
"""
