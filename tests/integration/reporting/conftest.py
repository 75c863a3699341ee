import sys
from pathlib import Path

# the CloudEvent factory is shared with the unit tests of the projections
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "reporting"))
# the registry's helpers for rooms, bookings and city time (the cooperation flows)
sys.path.append(str(Path(__file__).resolve().parents[1] / "registry"))


