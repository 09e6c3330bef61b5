"""What this machine's CPU can do, read without importing TensorFlow."""

from __future__ import annotations

import functools

BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def flags_have_native_bf16(cpuinfo: str) -> bool:
    """True when a /proc/cpuinfo text lists a native bfloat16 unit (AVX-512 BF16 or AMX)."""
    return any(flag in line.split() for line in cpuinfo.splitlines() for flag in BF16_FLAGS)


@functools.cache
def cpu_has_native_bf16() -> bool:
    """True when the CPU computes bfloat16 natively (AVX-512 BF16 or AMX), where mixed
    precision trains faster at the same accuracy; elsewhere bf16 would be emulated and slow."""
    try:
        with open("/proc/cpuinfo") as file:
            return flags_have_native_bf16(file.read())
    except OSError:
        return False


MIXED_PRECISION_CHOICES = ("auto", "on", "off")


def mixed_precision_for(choice: str) -> bool:
    """bfloat16 or not for a command line's `--mixed-precision auto|on|off`: "auto" is on
    where the CPU has native bf16."""
    if choice not in MIXED_PRECISION_CHOICES:
        raise ValueError(f"mixed precision {choice!r}: expected one of {MIXED_PRECISION_CHOICES}.")
    return choice == "on" or (choice == "auto" and cpu_has_native_bf16())
