"""``python -m smartlev.grade``: grade a folder of submitted exercise notebooks.

The grader lives in the teaching layer (:mod:`smartlev.teach.grade`); this module is its
short command-line entry point.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from smartlev.teach.grade import main

    sys.exit(main())
