"""Threat: make the judge's reports unwritable. JSON lets a worker carry a lone surrogate (`\\ud800`)
into an error message, which no UTF-8 file can hold: writing the class's feedback and report
failed for everyone, and again on every regrade from the saved grades.json. Deserves: 0, and
every report written, with the surrogate shown as `?`.
"""

raise ValueError("grades \ud800 cannot be written \udfff")
