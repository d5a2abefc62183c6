"""Zip containers (xlsx workbooks, zipped CSV sets) checked before anything opens them."""

import io
import zipfile

from qaf.common.errors import ImportRefused

MAX_MEMBERS = 2_000
MAX_UNCOMPRESSED = 500 * 1024 * 1024
_CHUNK = 1024 * 1024


def safe_zip(data: bytes, *, name: str, what: str) -> zipfile.ZipFile:
    """Open a zip only after counting its members and actually inflating every one of them
    within a budget, so a zip bomb (or a header that lies about sizes) is refused."""
    if not data.startswith(b"PK\x03\x04"):
        raise ImportRefused(f"{name} is not {what} (it is not a zip container)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportRefused(f"{name} is not {what} (the zip container is damaged)") from None
    if len(members) > MAX_MEMBERS:
        raise ImportRefused(f"{name} has {len(members):,} parts; at most {MAX_MEMBERS:,} allowed")
    budget = MAX_UNCOMPRESSED
    if sum(member.file_size for member in members) > budget:
        raise ImportRefused(
            f"{name} would expand to more than {MAX_UNCOMPRESSED // 1024 // 1024} MB: "
            "refused as a possible zip bomb"
        )
    try:
        for member in members:
            if member.flag_bits & 0x1:
                raise ImportRefused(f"{name} is password-protected: remove the password first")
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise ImportRefused(
                            f"{name} would expand to more than "
                            f"{MAX_UNCOMPRESSED // 1024 // 1024} MB: refused as a possible zip bomb"
                        )
    # zipfile raises NotImplementedError for compression methods it cannot read: a refusal too.
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise ImportRefused(f"{name} is not {what} (the zip container is damaged)") from None
    return archive
