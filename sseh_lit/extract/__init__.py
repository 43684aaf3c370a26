"""Evidence extraction: per-patient fields, each with the sentence that supports it."""
