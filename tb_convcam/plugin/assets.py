"""The tab's static files, served from this package (no CDN: TensorBoard's CSP forbids it)."""

from __future__ import annotations

import re
from pathlib import Path

STATIC_DIR = Path(__file__).with_name("static")
CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
# A plain file name: no separators, no leading dot, a known extension.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$")


def read_asset(name: str) -> tuple[bytes, str] | None:
    """(bytes, content type) of static file `name`, or None for anything else.

    Only plain file names directly inside `static/` with a known extension are
    served; anything with a path separator or `..` is refused before the file
    system is touched, and the resolved path must still be inside `static/`.
    """
    if not _SAFE_NAME.match(name) or ".." in name:
        return None
    content_type = CONTENT_TYPES.get(Path(name).suffix)
    path = (STATIC_DIR / name).resolve()
    if content_type is None or path.parent != STATIC_DIR.resolve() or not path.is_file():
        return None
    return path.read_bytes(), content_type
