"""Hosts for submissions: per exercise, the apps and probes a worker builds around the learner's
code. Trusted but public, and holding no expected answers: those live in docchat_lab/checks.

Each module defines REQUIRED (names the exercise file must define), apps(module, params)
(name -> app factory) and PROBES (name -> function(module, params, **args) -> JSON data).
"""
