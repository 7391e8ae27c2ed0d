from . import controllers
from . import models
from . import services
from .services.redaction import install_log_redaction

# every log record of the process masks the secrets the backends registered
install_log_redaction()
