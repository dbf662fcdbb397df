"""Settings: the options table (the one place defaults live), its readers, and `Settings`.

    options.py  every setting with its default, reader and description; the strategy catalogue
    readers.py  setting values as a person types them → typed values
    model.py    Settings (validated, immutable) and its settings-sheet table; DEFAULTS
"""

from xlcustseg.settings.model import DEFAULTS, Settings, SettingsError
from xlcustseg.settings.options import OPTIONS, TIER_LETTERS, Option, catalogue

__all__ = ["DEFAULTS", "OPTIONS", "TIER_LETTERS", "Option", "Settings", "SettingsError", "catalogue"]
