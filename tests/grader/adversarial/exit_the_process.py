"""Threat: end the worker process outright. Deserves: 0 here, status crashed."""

import os

os._exit(3)
