"""Threat: an endless loop inside a request (the import itself is fine).
Deserves: 0 here, status timeout."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int


def get_api_keys() -> frozenset[str]:
    return frozenset()


def pagination(skip: int = 0, limit: int = 20) -> Page:
    while True:
        skip += 1


def require_api_key(keys: Annotated[frozenset[str], Depends(get_api_keys)]) -> str:
    while True:
        pass


PageDep = Annotated[Page, Depends(pagination)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
