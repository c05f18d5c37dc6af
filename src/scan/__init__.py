"""scan: horizon scanning (omvärldsanalys) for the Swedish public sector."""

__version__ = "0.1.0"
