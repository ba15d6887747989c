"""CORS origins written the way browsers send them, so that a configured origin can match."""

from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(origin: str) -> str:
    """`scheme://host[:port]` in the browser's own form: lower case, IDNA, no default port.

    Raises ValueError, naming the problem, for anything a browser could never send.
    """
    text = origin.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.netloc or text != origin:
        raise ValueError(f"{origin!r} is not an origin like http://localhost:3000")
    # The browser sends the origin without a path, so "…/" would never match.
    if parts.path or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(f"{origin!r} must not have a path or a trailing slash")
    if parts.username is not None or parts.password is not None:
        raise ValueError(f"{origin!r} must not have a user name or password")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"{origin!r} has a port that is not a number from 0 to 65535") from None
    host = parts.hostname or ""
    if not host:
        raise ValueError(f"{origin!r} is not an origin like http://localhost:3000")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"{origin!r} has a host name that is not valid") from None
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"
