from . import test_api_keys
from . import test_openapi
from . import test_schemas
from . import test_store
