"""Local development and the demo (`make run`)."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
QAF_DEMO_MODE = env_bool("QAF_DEMO_MODE", True)
QAF_DEMO_SKIP_SECOND_FACTOR = env_bool("QAF_DEMO_SKIP_SECOND_FACTOR", True)
