from . import test_changes
