"""Multipart forms whose text is UTF-8 or refused: Starlette reads bad bytes as Latin-1.

A title sent as invalid UTF-8 would otherwise be stored as mojibake ("cafÃ©" or worse),
with no error; a form cut short would be read as if it were whole. This is FastAPI's
documented seam for it: a route class whose requests
parse their forms with a stricter parser. Starlette turns the refusal into a 400.
"""

from collections.abc import Callable, Coroutine
from contextlib import aclosing
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser


def _require_utf8(data: bytes | bytearray, what: str) -> None:
    try:
        bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MultiPartException(f"{what} is not UTF-8 text (byte {exc.start})") from None


class StrictMultiPartParser(MultiPartParser):
    """Also refuses a form cut short, which Starlette would half-read, leaking its file."""

    _ended = False

    async def parse(self) -> FormData:
        form = await super().parse()
        if not self._ended:
            for file in self._files_to_close_on_error:
                file.close()
            raise MultiPartException("the form ends before its closing boundary")
        return form

    def on_end(self) -> None:
        self._ended = True
        super().on_end()

    def on_headers_finished(self) -> None:
        _require_utf8(self._current_part.content_disposition or b"", "a part's name or file name")
        super().on_headers_finished()

    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            _require_utf8(part.data, f"the form field {part.field_name!r}")
        super().on_part_end()


class StrictFormRequest(Request):
    async def _get_form(
        self,
        *,
        max_files: int | float = 1000,
        max_fields: int | float = 1000,
        max_part_size: int = 1024 * 1024,
    ) -> FormData:
        content_type, options = parse_options_header(self.headers.get("Content-Type"))
        if self._form is not None or content_type != b"multipart/form-data":
            return await super()._get_form(
                max_files=max_files, max_fields=max_fields, max_part_size=max_part_size
            )
        # Starlette decodes the parts with a declared charset: UTF-8 checked, then read as
        # latin-1, stored "CafÃ©" where "Café" was sent.
        charset = options.get(b"charset", b"utf-8").lower()
        if charset not in (b"utf-8", b"utf8"):
            shown = charset.decode("latin-1")[:40]
            raise HTTPException(400, f"the form's charset must be UTF-8, not {shown!r}")
        try:
            async with aclosing(self.stream()) as stream:
                parser = StrictMultiPartParser(
                    self.headers,
                    stream,
                    max_files=max_files,
                    max_fields=max_fields,
                    max_part_size=max_part_size,
                )
                self._form = await parser.parse()
        except MultiPartException as exc:
            raise HTTPException(status_code=400, detail=exc.message) from None
        return self._form


class StrictFormRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def strict_handler(request: Request) -> Response:
            return await handler(StrictFormRequest(request.scope, request.receive))

        return strict_handler
