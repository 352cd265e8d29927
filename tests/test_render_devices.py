"""Several GPUs in one machine (issue 17): which EGL device each render worker uses.

Tested without a GPU: the assignment is pure logic over a device list, patched here; the real listing
is checked only to return [] (no GPU) on a machine without one. Not yet run on a multi-GPU machine."""
import ctypes
import ctypes.util
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from render import devices
from render.bank import load_bank
from render.devices import assign_devices, gpu_devices, worker_devices
from render.pool import RenderWorkerError, WorkerPool, worker_settings
from render.run import RenderConfig, RenderConfigError, parse_egl_device, render_set


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


@pytest.fixture
def fresh_listing():
    devices._gpu_devices.cache_clear()
    yield
    devices._gpu_devices.cache_clear()


# ---- the assignment: pure logic ----

@pytest.mark.parametrize("gpus, expected", [([0, 1], [0, 1, 0, 1, 0]), ([1, 3], [1, 3, 1, 3, 1]),
                                            ([0, 2, 5], [0, 2, 5, 0, 2])])
def test_workers_spread_round_robin_over_two_or_more_gpus(gpus, expected):
    assert assign_devices(5, None, gpus) == expected


@pytest.mark.parametrize("gpus", [[], [0], [3]])
def test_with_one_gpu_or_none_every_worker_gets_the_default_device(gpus):
    assert assign_devices(3, None, gpus) == [None, None, None]


def test_an_explicit_device_is_every_workers_whatever_the_gpus():
    assert assign_devices(3, 2, [0, 1]) == [2, 2, 2]
    assert assign_devices(3, 0, []) == [0, 0, 0]


def test_an_explicit_list_spreads_the_workers_over_just_those():
    assert assign_devices(5, (0, 2), [0, 1, 2, 3]) == [0, 2, 0, 2, 0]
    assert assign_devices(1, (1, 3), []) == [1]


def test_worker_devices_spreads_over_the_listed_gpus(monkeypatch):
    monkeypatch.delenv("GLCONTEXT_DEVICE_INDEX", raising=False)
    monkeypatch.setattr(devices, "gpu_devices", lambda: [1, 3])
    assert worker_devices(3, None) == [1, 3, 1]
    assert worker_devices(2, (0,)) == [0, 0]


def test_worker_devices_does_not_list_when_the_device_is_given(monkeypatch):
    def listing():
        raise AssertionError("listed the devices although --egl-device was given")

    monkeypatch.setattr(devices, "gpu_devices", listing)
    assert worker_devices(2, 1) == [1, 1]
    assert worker_devices(3, (0, 2)) == [0, 2, 0]


def test_glcontext_device_index_turns_the_spreading_off(monkeypatch):
    # glcontext puts every context on that device whatever index it is given
    monkeypatch.setenv("GLCONTEXT_DEVICE_INDEX", "1")
    monkeypatch.setattr(devices, "gpu_devices", lambda: [0, 1])
    assert worker_devices(2, None) == [None, None]


# ---- the listing ----

def test_the_listing_on_a_machine_without_gpu_is_empty(fresh_listing):
    if any(Path("/dev").glob("nvidia[0-9]*")) or Path("/dev/dri").exists():
        pytest.skip("this machine may have a GPU")
    assert gpu_devices() == []
    assert worker_devices(4, None) == [None] * 4


def test_the_listing_without_libegl_is_empty(monkeypatch, fresh_listing):
    monkeypatch.setenv("GLCONTEXT_LINUX_LIBEGL", "/nonexistent/libEGL.so.1")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert gpu_devices() == []


class _FakeEGL:
    """A libEGL whose client extensions lack device enumeration."""

    def __init__(self):
        def query_string(display, name):
            return b"EGL_KHR_debug EGL_EXT_client_extensions"

        def get_proc_address(name):
            raise AssertionError("looked up a device function the library does not offer")

        self.eglQueryString, self.eglGetProcAddress = query_string, get_proc_address


def test_the_listing_without_the_device_extension_is_empty(monkeypatch, fresh_listing):
    monkeypatch.setattr(ctypes, "CDLL", lambda name: _FakeEGL())
    assert devices._device_extensions() == []  # returned, not raised (gpu_devices would hide an exception)
    assert gpu_devices() == []


def test_a_failing_libegl_is_no_gpu(monkeypatch, fresh_listing):
    def broken(name):
        raise RuntimeError("a driver bug")

    monkeypatch.setattr(ctypes, "CDLL", broken)
    assert gpu_devices() == []


# ---- the option ----

@pytest.mark.parametrize("text, expected", [("0", 0), ("2", 2), ("0,2", (0, 2)), (" 1 , 3 ", (1, 3))])
def test_egl_device_takes_an_index_or_a_comma_list(text, expected):
    assert parse_egl_device(text) == expected


@pytest.mark.parametrize("text, message", [("x", "not 'x'"), ("0,,2", "not '0,,2'"), ("", "not ''"),
                                           ("1.5", "not '1.5'"), ("-1", "must be 0 or more (got -1)"),
                                           ("0,-2", "must be 0 or more (got -2)")])
def test_a_bad_egl_device_says_what_and_what_to_do(text, message):
    with pytest.raises(RenderConfigError, match="--egl-device") as info:
        parse_egl_device(text)
    assert message in str(info.value) and "leave" in str(info.value)  # what, and what to do instead


def test_a_bad_egl_device_on_the_command_line_is_one_line_and_writes_nothing(small_bank, tmp_path):
    from render.cli import render_cmd

    out = tmp_path / "set"
    res = CliRunner().invoke(render_cmd, ["--bank", str(small_bank), "--out", str(out), "--count", "10",
                                          "--size", "8", "--egl-device", "0,x"])
    assert res.exit_code != 0 and "Traceback" not in res.output, res.output
    assert "Error: --egl-device takes an EGL device index or a comma list" in res.output
    assert not out.exists()


def test_a_device_list_in_the_config_is_validated(small_bank, tmp_path):
    with pytest.raises(RenderConfigError, match=r"--egl-device must be 0 or more \(got -1\)"):
        render_set(RenderConfig(bank=str(small_bank), out=str(tmp_path / "set"), count=10, egl_device=(0, -1)))
    assert not (tmp_path / "set").exists()


# ---- the wiring: one worker process, no render ----

def test_a_spread_worker_starts_on_its_gpu_and_a_missing_one_is_explained(small_bank, monkeypatch):
    # two fake GPUs, 1 and 3: the only worker gets device 1, which this machine does not have
    monkeypatch.delenv("GLCONTEXT_DEVICE_INDEX", raising=False)
    monkeypatch.setattr(devices, "gpu_devices", lambda: [1, 3])
    settings = worker_settings(str(small_bank), load_bank(str(small_bank)).hash, 8, 1)
    with pytest.raises(RenderWorkerError, match=r"could not start on EGL device 1, one of the GPUs \[1, 3\] EGL "
                                                r"lists.*requested device index 1.*pass --egl-device N"):
        with WorkerPool(1, settings, time_budget=30) as pool:
            assert pool.devices == [1] and pool.spread
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                list(pool.poll())


def test_the_device_list_changes_no_byte_and_a_set_resumes_on_other_devices(small_bank, tmp_path):
    # device 0 twice: the only device here (llvmpipe), so that the list reaches real workers
    a, b = tmp_path / "a", tmp_path / "b"
    cfg = dict(bank=str(small_bank), count=40, size=8, shard_size=20)
    render_set(RenderConfig(out=str(a), workers=1, **cfg))
    render_set(RenderConfig(out=str(b), workers=1, shards=(0, 1), **cfg))
    render_set(RenderConfig(out=str(b), workers=2, egl_device=(0, 0), **cfg))
    assert _files(a) == _files(b)
