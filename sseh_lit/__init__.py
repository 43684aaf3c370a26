"""sseh-lit: literature mining and evidence extraction for spontaneous spinal epidural haematoma."""

__version__ = "0.1.0"
