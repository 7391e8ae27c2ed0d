from . import retail_pos_api_key_wizard
