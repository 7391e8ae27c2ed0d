from . import health
from . import intake
from . import metrics
