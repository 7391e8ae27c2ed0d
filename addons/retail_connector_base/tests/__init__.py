from . import test_services_errors
from . import test_services_signatures
from . import test_services_redaction
from . import test_services_token_bucket
from . import test_services_circuit_breaker
from . import test_services_http_client
from . import test_services_authenticators
from . import test_services_timeutils
