from .generic_provider import GenericProviderSimulator  # noqa: F401
from .shipbob import ShipbobSimulator  # noqa: F401
