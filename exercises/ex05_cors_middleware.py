# Generated from solutions/ by `docchat-lab exercises`: edit this copy freely.
"""Exercise 5 · CORS from a list, and a timing middleware in milliseconds.

DocChat's React front end is served from one origin (http://localhost:3000) and calls the API
on another (http://localhost:8000). The browser lets the page read the API's answers only if
the API opts in with CORS headers. Configure Starlette's CORSMiddleware from the list of
origins in the settings, and refuse, while the app is being built, the configurations that
quietly go wrong at run time. Then add a middleware that tells the front end how long each
request took, in milliseconds.

Remember what CORS is for: it protects the browser's user, not the server. A request from an
origin that is not allowed still reaches your endpoint and still gets its 200; the browser
just does not let that page read the answer, because the header is missing.

Background: notebooks/05_cors_and_middleware.ipynb. Check your work: `check("ex05")` in the
notebook, or `docchat-lab check ex05` in a terminal.
"""

import time
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

TIMING_HEADER = "X-Process-Time-Ms"


def add_cors(app: FastAPI, origins: list[str], allow_credentials: bool = True) -> None:
    """Add CORSMiddleware to `app`, allowing exactly the origins in `origins`.

    - Allow every method and every request header, like the lesson does, and pass
      `allow_credentials` on (cookies and Authorization headers from the front end).
    - Check the configuration first, and raise before adding anything to the app:
      - `origins` is one string instead of a list: raise TypeError (or ValueError). Starlette
        would then test `origin in "http://localhost:3000"`, a substring test that lets
        `Origin: http://l` through.
      - `"*"` together with `allow_credentials=True`: raise ValueError. Starlette would echo any
        origin back with credentials allowed, so every site on the web could call the API as
        the logged-in user. (`"*"` without credentials is allowed.)
      - an origin that is not just `scheme://host[:port]`, such as one with a path or a
        trailing slash (`"http://localhost:3000/"`): raise ValueError. The browser sends the
        origin without a path, so such an entry would never match anything.
    Everything else, including the origin lists DocChat really uses, must be accepted.
    Hint: `urllib.parse.urlsplit(origin)` gives you `.scheme`, `.netloc` and `.path`.
    """
    # TODO: write add_cors() as its docstring describes.
    raise NotImplementedError("add_cors() is not written yet")


def add_timing(app: FastAPI) -> None:
    """Add a middleware that sets `X-Process-Time-Ms` (TIMING_HEADER) on every response.

    - The value is the time the app took to answer, in MILLISECONDS, written as a plain
      decimal number such as "12.34". (The lesson's version wrote seconds into a header named
      for milliseconds: multiply by 1000.)
    - Measure with `time.perf_counter()`, a clock made for intervals; `time.time()` can jump.
    - Every response gets the header: 404s and 422s too, and the preflight answers that
      CORSMiddleware gives without calling any route (the checks add CORS before your timing
      middleware, so yours is the outer one).
    Either form works: `@app.middleware("http")` inside this function, or a pure ASGI
    middleware class added with `app.add_middleware(...)`.
    """

    # TODO: write add_timing() as its docstring describes.
    raise NotImplementedError("add_timing() is not written yet")
