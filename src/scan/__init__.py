"""scan: horizon scanning (omvärldsanalys) for the Swedish public sector."""

__version__ = "0.1.0"

from scan.threads import pin_per_operation as _pin

_pin()  # one BLAS/OpenMP thread per operation unless the user set otherwise: see scan.threads
