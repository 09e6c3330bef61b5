"""Reading the CPU's bfloat16 support from /proc/cpuinfo."""

from __future__ import annotations

from pathlib import Path

import pytest

import cnn
from cnn.training.hardware import flags_have_native_bf16

AVX2_ONLY = "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma\n"
AVX512_BF16 = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16\n"
AMX = "processor\t: 0\nflags\t\t: fpu avx2 avx512f amx_tile amx_bf16\n"


def test_native_bf16_read_from_the_flags():
    assert not flags_have_native_bf16(AVX2_ONLY)
    assert flags_have_native_bf16(AVX512_BF16)
    assert flags_have_native_bf16(AMX)


def test_a_flag_is_matched_whole():
    # "avx512_bf16x" or "no_amx_bf16" are not the flags.
    assert not flags_have_native_bf16("flags\t: avx512_bf16x no_amx_bf16\n")


def test_this_machine_agrees_with_its_cpuinfo():
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        pytest.skip("no /proc/cpuinfo on this system")
    expected = flags_have_native_bf16(cpuinfo.read_text())
    assert cnn.cpu_has_native_bf16() is expected


def test_mixed_precision_choices(monkeypatch):
    import cnn.training.hardware

    for native in (True, False):
        monkeypatch.setattr(
            cnn.training.hardware, "cpu_has_native_bf16", lambda native=native: native
        )
        assert cnn.training.hardware.mixed_precision_for("auto") is native
        assert cnn.training.hardware.mixed_precision_for("on") is True
        assert cnn.training.hardware.mixed_precision_for("off") is False
    with pytest.raises(ValueError, match="mixed precision 'maybe'"):
        cnn.training.hardware.mixed_precision_for("maybe")
