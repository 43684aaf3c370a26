"""Review in the browser: a small Starlette app over the same review store as the CLI.

:func:`~sseh_lit.review.web.app.create_app` builds the ASGI app; ``sseh-lit serve`` runs it with
uvicorn. Sessions and CSRF live in :mod:`.auth`, evidence highlighting in :mod:`.highlight`,
and every write goes through :mod:`sseh_lit.review.corrections` / :mod:`sseh_lit.review.dual`.
"""
