"""sseh-lit: literature mining and evidence extraction for spontaneous spinal epidural haematoma."""

from . import _accel

__version__ = "0.1.0"

# before any hot module is imported: a compiled copy is used only when it is not stale
_accel.install()
