from .generic_provider import GenericProviderSimulator  # noqa: F401
