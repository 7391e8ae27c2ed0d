from . import controllers
from . import models
from . import wizards
from . import services
from .services.correlation import install_log_correlation
from .services.redaction import install_log_redaction

# every log record of the process masks the secrets the backends registered
install_log_redaction()
# and, made while a delivery or a job runs, starts with its correlation id
install_log_correlation()
