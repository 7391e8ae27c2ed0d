"""A simulator of the remote partner feed the test connector talks to.

The smallest complete simulator built on ``retail_connector_base.simulator``:
see :mod:`.partner_feed`.
"""

from .partner_feed import API_URL, PartnerFeedSimulator

__all__ = ["API_URL", "PartnerFeedSimulator"]
