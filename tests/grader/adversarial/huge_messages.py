"""Threat: make the judge's messages huge: errors of 11 MB, and values of 200 KB in every
answer. Messages used to quote them whole: grades.json of 144 MB and feedback of 287 MB for one
class, and 1.56 GB of memory in the grader. Deserves: 0, with every message cut to about 2 KB.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException

HUGE = "x" * (11 * 1024 * 1024)
LARGE = "y" * (200 * 1024)


@dataclass(frozen=True)
class Page:
    skip: object
    limit: object


def get_api_keys() -> frozenset[str]:
    return frozenset({"dev-key"})


def pagination(skip: int = 0, limit: int = 20) -> Page:
    return Page(skip=LARGE, limit=[LARGE] * 2)


def require_api_key(
    keys: Annotated[frozenset[str], Depends(get_api_keys)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    raise HTTPException(418, HUGE if x_api_key is None else LARGE)


PageDep = Annotated[Page, Depends(pagination)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
