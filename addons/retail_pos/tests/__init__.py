from . import test_api_keys
from . import test_intake_concurrency
from . import test_intake_http
from . import test_openapi
from . import test_schemas
from . import test_store
from . import test_tickets
