"""Forbid this process to create internet sockets, at the system-call level (seccomp), so that any
attempt to reach the network, from Python or from a C library, fails. Linux on x86_64 or aarch64.

Used by the privacy tests in a fresh interpreter: call `forbid_internet_sockets()` first thing.
"""

from __future__ import annotations

import ctypes
import platform
import socket
import struct

_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
_ALLOW, _ERRNO_EPERM = 0x7FFF0000, 0x00050000 | 1
_LOAD_WORD, _JUMP_IF_EQUAL, _RETURN = 0x20, 0x15, 0x06
# (audit architecture, number of the socket() system call)
ARCHITECTURES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


def supported() -> bool:
    return platform.system() == "Linux" and platform.machine() in ARCHITECTURES


def _filter_program() -> bytes:
    """socket(AF_INET or AF_INET6, ...) fails with EPERM; every other call is allowed."""
    arch, socket_call = ARCHITECTURES[platform.machine()]

    def load(offset):  # from struct seccomp_data: nr at 0, arch at 4, args[0] at 16
        return struct.pack("HBBI", _LOAD_WORD, 0, 0, offset)

    def jump(value, if_equal, otherwise):
        return struct.pack("HBBI", _JUMP_IF_EQUAL, if_equal, otherwise, value)

    def give(result):
        return struct.pack("HBBI", _RETURN, 0, 0, result)

    return b"".join([load(4), jump(arch, 1, 0), give(_ALLOW),
                     load(0), jump(socket_call, 0, 4),
                     load(16), jump(socket.AF_INET, 1, 0), jump(socket.AF_INET6, 0, 1),
                     give(_ERRNO_EPERM), give(_ALLOW)])


class _Program(ctypes.Structure):
    _fields_ = [("length", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


_kept = []  # the filter's memory must outlive the call that installs it


def forbid_internet_sockets() -> None:
    program = ctypes.create_string_buffer(_filter_program())
    _kept.append(program)
    header = _Program(len(program.raw) // 8, ctypes.cast(program, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER,
                                                                  ctypes.byref(header), 0, 0):
        raise OSError(ctypes.get_errno(), "cannot install the seccomp filter")
