"""Threat: flood the output (100 MB), then do the work honestly. Deserves: full marks; the
flood is cut off by the file-size limit and the grader is not slowed down by it."""

import sys
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, status

try:
    chunk = "x" * (1024 * 1024)
    for _ in range(100):
        sys.stdout.write(chunk)
    sys.stdout.flush()
except OSError:
    pass


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int


def get_api_keys() -> frozenset[str]:
    return frozenset({"dev-key"})


def pagination(
    skip: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> Page:
    return Page(skip=skip, limit=limit)


def require_api_key(
    keys: Annotated[frozenset[str], Depends(get_api_keys)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    if x_api_key is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key")
    if x_api_key not in keys:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid API key")
    return x_api_key


PageDep = Annotated[Page, Depends(pagination)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
