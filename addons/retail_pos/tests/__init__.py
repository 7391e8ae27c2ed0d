from . import test_api_keys
from . import test_store
