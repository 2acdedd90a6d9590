"""The package's version: its major.minor must be the loaded libckpt's."""
__version__ = "0.2.0"
