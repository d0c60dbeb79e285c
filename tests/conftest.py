"""Test configuration: property tests are reproducible by default.

``make test`` runs the hypothesis examples derived from a fixed seed, so the same commit
always runs the same cases. To draw fresh random cases in search of new edge cases, run
for example ``HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest tests/test_engine.py``.
"""

import os

try:
    from hypothesis import settings
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    settings = None

if settings is not None:
    settings.register_profile("default", derandomize=True)
    settings.register_profile("explore", derandomize=False)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
