"""Threat: exhaust memory. Deserves: 0 here, status memory."""

hog = []
while True:
    hog.append(bytearray(64 * 1024 * 1024))
