"""A classification task for the web tests whose worker takes two seconds to start (imported in the
worker before it says it is ready), as loading a large model does: long enough for a test to see
the "model is loading" state, which the hash encoder's instant load would otherwise make a race."""

import time

from scan.webjobs import classify_upload  # noqa: F401 - the task

time.sleep(2)
