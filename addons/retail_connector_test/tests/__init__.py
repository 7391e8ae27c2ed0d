from . import test_binding
from . import test_event_processing
from . import test_sync_exception
from . import test_security
from . import test_intake_http
from . import test_health_http
from . import test_concurrency
from . import test_throttle_state
