# Generated from solutions/ by `docchat-lab exercises`: edit this copy freely.
"""Exercise 1 · Dependencies: pagination and an API key, injected with Depends.

DocChat's list endpoints share one pagination rule, and its admin endpoints share one API-key
rule. Write each rule once, as a dependency, and name it with an `Annotated` alias, so that a
route only has to say `page: PageDep` or `key: ApiKeyDep`.

Background: notebooks/01_dependencies.ipynb. Check your work: `check("ex01")` in the notebook,
or `docchat-lab check ex01` in a terminal.
"""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, status

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    skip: int
    limit: int


def get_api_keys() -> frozenset[str]:
    """The API keys DocChat accepts. Tests replace this with `app.dependency_overrides`."""
    return frozenset({"dev-key"})


def pagination(
    skip: int = 0,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Read `?skip=` and `?limit=` from the query string into a Page.

    - Defaults: skip=0, limit=DEFAULT_LIMIT.
    - skip must be >= 0, and 1 <= limit <= MAX_LIMIT; anything else is answered with a 422,
      like every other validation error (hint: `Annotated[int, Query(ge=...)]`).
    """
    # TODO: write pagination() as its docstring describes.
    raise NotImplementedError("pagination() is not written yet")


def require_api_key(
    keys: Annotated[frozenset[str], Depends(get_api_keys)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> str:
    """Return the caller's key from the `X-API-Key` header, if it is one of `keys`.

    - No header: 401 with detail "missing API key".
    - A key that is not in `keys`: 403 with detail "invalid API key".
    Take the keys from the `keys` parameter (a sub-dependency), never from a constant, so that
    tests can swap them with `app.dependency_overrides[get_api_keys]`.
    """
    # TODO: write require_api_key() as its docstring describes.
    raise NotImplementedError("require_api_key() is not written yet")


# The aliases routes use: `def list_documents(page: PageDep, key: ApiKeyDep): ...`
PageDep = Page  # TODO: an Annotated alias that depends on pagination
ApiKeyDep = str  # TODO: an Annotated alias that depends on require_api_key
