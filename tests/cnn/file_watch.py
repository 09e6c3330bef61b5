"""Which files of a folder were opened, seen by the kernel (Linux inotify): a C library
such as HDF5 opens files without Python's audit hooks ever hearing of it."""

from __future__ import annotations

import contextlib
import ctypes
import os
import struct
import sys

IN_ACCESS, IN_OPEN = 0x001, 0x020
_EVENT = struct.Struct("iIII")


class OpenedFiles:
    """After the `with` block: `names`, the files of the folder opened or read in it."""

    def __init__(self) -> None:
        self.names: set[str] = set()


def _read_events(fd: int, found: OpenedFiles) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        offset = 0
        while offset < len(data):
            _wd, _mask, _cookie, length = _EVENT.unpack_from(data, offset)
            name = data[offset + _EVENT.size : offset + _EVENT.size + length].rstrip(b"\0")
            found.names.add(name.decode() or ".")
            offset += _EVENT.size + length


@contextlib.contextmanager
def watch_opens(folder):
    """Record every open or read of a file in `folder` (and of the folder) in the block.

    Only on Linux, where the tests run in CI; elsewhere it raises RuntimeError, so a test that
    relies on it fails rather than passing without looking.
    """
    if not sys.platform.startswith("linux"):
        raise RuntimeError("watch_opens needs Linux (inotify)")
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1 failed")
    try:
        if libc.inotify_add_watch(fd, os.fsencode(folder), IN_OPEN | IN_ACCESS) < 0:
            raise OSError(ctypes.get_errno(), f"inotify_add_watch failed on {folder}")
        found = OpenedFiles()
        yield found
        _read_events(fd, found)
    finally:
        os.close(fd)
