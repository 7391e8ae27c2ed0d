from . import retail_test_backend
from . import retail_test_partner_binding
from . import res_partner
