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
    ### BEGIN SOLUTION
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    ### END SOLUTION
    ### BEGIN STUB
    # skip: int = 0,
    # limit: int = DEFAULT_LIMIT,
    ### END STUB
) -> Page:
    """Read `?skip=` and `?limit=` from the query string into a Page.

    - Defaults: skip=0, limit=DEFAULT_LIMIT.
    - skip must be >= 0, and 1 <= limit <= MAX_LIMIT; anything else is answered with a 422,
      like every other validation error (hint: `Annotated[int, Query(ge=...)]`).
    """
    ### BEGIN SOLUTION
    return Page(skip=skip, limit=limit)
    ### END SOLUTION


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
    ### BEGIN SOLUTION
    if x_api_key is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing API key")
    if x_api_key not in keys:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "invalid API key")
    return x_api_key
    ### END SOLUTION


# The aliases routes use: `def list_documents(page: PageDep, key: ApiKeyDep): ...`
### BEGIN SOLUTION
PageDep = Annotated[Page, Depends(pagination)]
ApiKeyDep = Annotated[str, Depends(require_api_key)]
### END SOLUTION
### BEGIN STUB
# PageDep = Page  # TODO: an Annotated alias that depends on pagination
# ApiKeyDep = str  # TODO: an Annotated alias that depends on require_api_key
### END STUB
