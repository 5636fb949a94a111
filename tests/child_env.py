"""The environment for a test's child Python process.

A child must import the same tflite_sparse as the test itself: the installed
package (with its compiled delegate) when CI runs from tests/, the source tree
when a developer runs with PYTHONPATH=python and TFLITE_SPARSE_LIBRARY. Putting
the source tree first unconditionally hid the installed delegate library on a
clean checkout, where python/ holds no .so.
"""

from __future__ import annotations

import os
from pathlib import Path

import tflite_sparse


def child_env(**overrides: str) -> dict:
    package_parent = str(Path(tflite_sparse.__file__).resolve().parent.parent)
    inherited = os.environ.get("PYTHONPATH", "")
    env = dict(os.environ, PYTHONPATH=package_parent + (os.pathsep + inherited if inherited else ""))
    env.update(overrides)
    return env
