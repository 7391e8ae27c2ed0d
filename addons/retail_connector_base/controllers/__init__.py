from . import health
from . import intake
from . import metrics
from . import queue_job
