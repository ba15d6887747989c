"""Running exercise checks against untrusted code: sandboxed workers, a trusted judge, reports."""
