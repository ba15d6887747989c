"""Threat: values whose __eq__ is always true (full marks under nbgrader and otter).

pagination() returns a Page of objects that claim to equal anything. require_api_key is
honest. Deserves: the three API-key checks (3 of 8 checks: 3.75 points).
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status


class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


@dataclass(frozen=True)
class Page:
    skip: object
    limit: object


def get_api_keys() -> frozenset[str]:
    return frozenset({"dev-key"})


def pagination(skip: int = 0, limit: int = 20) -> Page:
    return Page(skip=Anything(), limit=Anything())


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
