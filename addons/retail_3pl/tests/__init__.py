from . import test_kpis
