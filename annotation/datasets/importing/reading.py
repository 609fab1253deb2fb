"""Reading import files: size limits, gzip, UTF-8 and JSON Lines, with located errors."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from typing import IO, Any, cast

from django.conf import settings

from annotation.datasets.importing import strict_json
from annotation.datasets.importing.errors import ErrorLog, ImportFailed, RowError

GZIP_MAGIC = b"\x1f\x8b"
FORMATS = ("auto", "jsonl", "csv", "openai-critiques", "humaneval")


class _LimitedReader(io.RawIOBase):
    """Refuses to decompress more than `limit` bytes, so a small gzip bomb can't fill memory."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner = inner
        self.limit = limit
        self.seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.limit:
            raise ImportFailed(
                [
                    RowError(
                        0,
                        "",
                        f"the file is larger than {self.limit:,} bytes uncompressed; "
                        "split it or raise REDLINE_IMPORT_MAX_BYTES",
                    )
                ]
            )
        buffer[: len(data)] = data
        return len(data)


def _check_inflated_size(stream: IO[bytes], max_bytes: int) -> None:
    """Decompress once without parsing, counting bytes: a bomb is refused in the seconds inflating
    takes, not after minutes of parsing what fits under the limit."""
    stream.seek(0)
    counter = _LimitedReader(cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb")), max_bytes)
    chunk = bytearray(1 << 20)
    try:
        while counter.readinto(chunk):
            pass
    except (OSError, EOFError) as exc:
        raise ImportFailed([RowError(0, "", f"the gzip file is damaged: {exc}")]) from None


def open_source(stream: IO[bytes], size: int | None, max_bytes: int) -> IO[bytes]:
    """Check the size, undo gzip, and return a binary stream from the start (may be called again)."""
    if size is not None and size > max_bytes:
        raise ImportFailed(
            [RowError(0, "", f"the file is {size:,} bytes; the limit is {max_bytes:,} (REDLINE_IMPORT_MAX_BYTES)")]
        )
    stream.seek(0)
    if stream.read(2) == GZIP_MAGIC:
        _check_inflated_size(stream, max_bytes)
        stream.seek(0)
        raw = _LimitedReader(cast(IO[bytes], gzip.GzipFile(fileobj=stream, mode="rb")), max_bytes)
        return io.BufferedReader(raw, buffer_size=1 << 20)
    stream.seek(0)
    return stream


def _decode(raw: bytes, number: int, errors: ErrorLog) -> str | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        errors.add(
            number,
            "",
            f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); save the file as UTF-8",
        )
        return None
    return text.removeprefix("\ufeff") if number == 1 else text


def first_line(stream: IO[bytes]) -> bytes:
    """The first non-blank line (the stream is consumed; open the source again to read it all)."""
    for raw in stream:
        if raw.strip():
            return raw.strip().removeprefix(b"\xef\xbb\xbf")
    return b""


def iter_json_lines(stream: IO[bytes], errors: ErrorLog) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; log undecodable or non-object lines."""
    limit = settings.REDLINE_IMPORT_MAX_LINE_BYTES
    for number, raw in enumerate(stream, start=1):
        if len(raw) > limit:
            errors.add(
                number,
                "",
                f"is {len(raw):,} bytes long; a line may hold at most {limit:,} (REDLINE_IMPORT_MAX_LINE_BYTES)",
            )
            continue
        text = _decode(raw, number, errors)
        if text is None or not text.strip():
            continue
        try:
            value = strict_json.loads(text)
        except json.JSONDecodeError as exc:
            errors.add(number, "", f"is not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        except strict_json.JsonRefused as exc:
            errors.add(number, "", str(exc))
            continue
        if not isinstance(value, dict):
            errors.add(number, "", f"must be a JSON object, not {type(value).__name__}")
            continue
        yield number, value


def detect_format(stream: IO[bytes], filename: str) -> str:
    head = first_line(stream)
    if not head:
        raise ImportFailed([RowError(0, "", "the file is empty")])
    if head.startswith(b"["):
        raise ImportFailed(
            [RowError(1, "", "this looks like a JSON array; Redline reads JSON Lines, one object per line")]
        )
    if head.startswith(b"{"):
        try:
            value = strict_json.loads(head.decode("utf-8", errors="replace"))
        except ValueError:
            return "jsonl"  # the JSONL reader reports the exact problem
        if isinstance(value, dict):
            data = value.get("data")
            if isinstance(data, dict) and "passage" in data and "questions" in data:
                return "openai-critiques"
            if "task_id" in value and "canonical_solution" in value:
                return "humaneval"
        return "jsonl"
    if filename.lower().endswith((".csv", ".csv.gz")) or b"," in head:
        return "csv"
    raise ImportFailed([RowError(0, "", "cannot tell the file's format; choose one explicitly")])
