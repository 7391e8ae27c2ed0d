from . import test_changes
from . import test_kpis
from . import test_tours
