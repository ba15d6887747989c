"""An early pytest plugin (`-p tests.no_iri_grammars`, in the project's addopts).

jsonschema imports `rfc3987_syntax` whenever it is installed (jupyter-events asks for it), and
that module compiles some forty Lark grammars on import, about a second of every pytest process's
start-up, only to check JSON strings whose format is "iri". nbformat imports jsonschema whichever
validator it uses, so it offers no way around it. Nothing this suite validates uses that format:
the module is blocked before any plugin imports jsonschema (which then simply skips the check).
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
