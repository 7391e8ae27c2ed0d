from . import retail_backend_mixin
from . import retail_binding_mixin
from . import retail_event
from . import retail_sync_exception
from . import retail_rate_bucket
from . import retail_circuit
from . import retail_backend
