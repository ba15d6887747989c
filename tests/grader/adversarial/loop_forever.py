"""Threat: an endless loop while the module is imported. Deserves: 0 here, status timeout;
the learner's other exercises keep their points."""

while True:
    pass
