"""OCR Command Builder: compose, check, launch and follow Hydra runner commands."""

__version__ = "0.1.0"
