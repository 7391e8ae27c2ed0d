from . import retail_sync_history
