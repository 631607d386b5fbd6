"""A response body read under a cap that counts decoded bytes, so a compression bomb is cut off."""

from __future__ import annotations

import zlib

from services.ingest.failures import Refused

CHUNK = 64 * 1024
"""Most bytes one decompression step may produce: memory stays bounded whatever the ratio."""


class BoundedBody:
    """Accumulates a body, decoding gzip or deflate itself, and refuses it past ``cap`` bytes."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap = cap
        self._parts: list[bytes] = []
        self._size = 0
        self._encoding = encoding.strip().lower()
        if self._encoding in ("", "identity"):
            self._inflater: zlib._Decompress | None = None
        elif self._encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._encoding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)
        else:
            raise Refused(f"unsupported Content-Encoding {encoding!r}")
        self._raw_deflate_tried = False

    def feed(self, raw: bytes) -> None:
        """Add raw bytes from the wire; raise Refused once the decoded size passes the cap."""
        if self._inflater is None:
            self._keep(raw)
            return
        data = raw
        while data:
            try:
                out = self._inflater.decompress(data, CHUNK)
            except zlib.error as exc:
                if self._encoding == "deflate" and not self._raw_deflate_tried and self._size == 0:
                    # Some servers send raw deflate without the zlib header.
                    self._raw_deflate_tried = True
                    self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise Refused(f"corrupt {self._encoding} body: {exc}") from exc
            self._keep(out)
            data = self._inflater.unconsumed_tail
            if not data and self._encoding != "deflate" and self._inflater.eof and self._inflater.unused_data:
                data = self._inflater.unused_data  # a second gzip member
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def _keep(self, out: bytes) -> None:
        self._size += len(out)
        if self._size > self.cap:
            raise Refused(f"body larger than {self.cap} bytes after decoding")
        if out:
            self._parts.append(out)

    def result(self) -> bytes:
        """Return the decoded body."""
        return b"".join(self._parts)
