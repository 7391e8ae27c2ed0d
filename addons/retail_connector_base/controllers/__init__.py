from . import health
from . import intake
