"""PubMed access: search strategies (queries.py), E-utilities over HTTP (eutils.py), XML (parse.py)."""
