from . import messages
