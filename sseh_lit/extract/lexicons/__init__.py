"""Lexicons and rules of the extractor, as data files (JSON/CSV) read with importlib.resources."""
