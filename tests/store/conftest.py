"""Store tests share ``penalty_factory`` (also run as a script by the crash and process tests).

With ``--import-mode=importlib`` a test module cannot import a sibling module, so this
directory is put on ``sys.path`` once, here.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
