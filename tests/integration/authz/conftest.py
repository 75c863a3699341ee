import sys
from pathlib import Path

# the matrix builds its city with the other suites' request bodies and helpers (identity's
# signs the roles in through the real provider)
_HERE = Path(__file__).resolve().parent
for folder in ("registry", "grants", "consultations", "identity"):
    path = str(_HERE.parent / folder)
    if path not in sys.path:
        sys.path.append(path)
