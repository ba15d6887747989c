"""Loaded first by every pytest run of the project, notebooks included."""

import os

# The course's CI runs the notebooks' reference edition: each stage's finished code, in a
# scratch package, so the stored outputs match and no `my_docchat/` appears in the checkout.
# The learner's edition runs where a learner sits: tests/notebooks/learner_seat.py.
os.environ.setdefault("DOCCHAT_LAB_EDITION", "reference")
