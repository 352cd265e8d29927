"""Which EGL device each render worker uses: several GPUs in one machine serve one command.

`gpu_devices` lists the EGL devices that are GPUs, asking libEGL directly through ctypes (the parent
process loads neither moderngl nor torch): every device EGL enumerates except Mesa's software
rasteriser (llvmpipe, marked by EGL_MESA_device_software). The numbers are EGL device indices, the
`device_index` moderngl takes, in the order libEGL enumerates them; they need not match CUDA's
numbering, and CUDA_VISIBLE_DEVICES does not change them (EGL ignores it).

`assign_devices` gives worker i the device devices[i % len(devices)]: the devices of `--egl-device
0,2`, else every GPU when there are two or more. With one GPU or none, every worker gets None (EGL's
first device, as before). The device is not part of the set's identity (the manifest's config): a set
resumes whatever devices the next run uses.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

EGL_EXTENSIONS = 0x3055
SOFTWARE = b"EGL_MESA_device_software"
MAX_DEVICES = 64


def gpu_devices() -> list[int]:
    """The EGL device indices of the GPUs (hardware devices); [] when libEGL or its device enumeration is
    missing, or there is no GPU (a CPU-only machine lists Mesa's software device only). Never raises;
    asks libEGL once per process."""
    return list(_gpu_devices())


@functools.cache
def _gpu_devices() -> tuple[int, ...]:
    try:
        return tuple(i for i, ext in enumerate(_device_extensions()) if SOFTWARE not in ext.split())
    except Exception:  # a broken or unusual libEGL: behave as without a GPU (the default device)
        return ()


def _device_extensions() -> list[bytes]:
    """The EGL_EXTENSIONS string of every device libEGL enumerates, in its order ([] without the extension)."""
    name = os.environ.get("GLCONTEXT_LINUX_LIBEGL") or "libEGL.so.1"  # the library glcontext loads
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        found = ctypes.util.find_library("EGL")
        if found is None:
            return []
        lib = ctypes.CDLL(found)
    lib.eglQueryString.restype = ctypes.c_char_p
    lib.eglQueryString.argtypes = [ctypes.c_void_p, ctypes.c_int]
    client = (lib.eglQueryString(None, EGL_EXTENSIONS) or b"").split()
    if b"EGL_EXT_device_enumeration" not in client and b"EGL_EXT_device_base" not in client:
        return []
    lib.eglGetProcAddress.restype = ctypes.c_void_p
    lib.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    query_devices = lib.eglGetProcAddress(b"eglQueryDevicesEXT")
    query_string = lib.eglGetProcAddress(b"eglQueryDeviceStringEXT")
    if not query_devices or not query_string:
        return []
    query_devices = ctypes.CFUNCTYPE(ctypes.c_uint, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p),
                                     ctypes.POINTER(ctypes.c_int))(query_devices)
    query_string = ctypes.CFUNCTYPE(ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int)(query_string)
    devices, n = (ctypes.c_void_p * MAX_DEVICES)(), ctypes.c_int(0)
    if not query_devices(MAX_DEVICES, devices, ctypes.byref(n)):
        return []
    return [query_string(devices[i], EGL_EXTENSIONS) or b"" for i in range(min(n.value, MAX_DEVICES))]


def assign_devices(workers: int, explicit: int | tuple[int, ...] | None, gpus) -> list[int | None]:
    """The EGL device of each of `workers` workers: round robin over `explicit` (one index or several) when
    given, else over `gpus` when there are two or more, else None for all (EGL's first device)."""
    if explicit is not None:
        devices = (explicit,) if isinstance(explicit, int) else tuple(explicit)
    elif len(gpus) >= 2:
        devices = tuple(gpus)
    else:
        return [None] * workers
    return [devices[i % len(devices)] for i in range(workers)]


def worker_devices(workers: int, explicit: int | tuple[int, ...] | None) -> list[int | None]:
    """`assign_devices` over this machine's GPUs. GLCONTEXT_DEVICE_INDEX, which overrides any index in
    every worker, turns the spreading off: all workers then use that device, as glcontext decides."""
    spread = explicit is None and not os.environ.get("GLCONTEXT_DEVICE_INDEX")
    return assign_devices(workers, explicit, gpu_devices() if spread else ())
