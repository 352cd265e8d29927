"""From float frames to the images that go into shards: checks, supersample resolve, PNG.

A frame is rejected (and its sample redrawn) when it holds NaN/inf or is near-constant: such
images teach a student nothing and waste the teacher's attention.
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

# A frame whose 8-bit pixel values have a standard deviation below this is "near-constant".
MIN_STD = 2.0


def resolve(frames: np.ndarray, supersample: int) -> np.ndarray:
    """Box-filter [n, H*K, W*K, 3] float frames down by K: the mean of each KxK block of samples."""
    k = supersample
    if k == 1:
        return frames
    n, h, w, c = frames.shape
    return frames.reshape(n, h // k, k, w // k, k, c).mean(axis=(2, 4))


def finish(frames: np.ndarray, supersample: int) -> tuple[np.ndarray, list[str]]:
    """[n, H*K, W*K, 3] float32 -> (uint8 [n, H, W, 3], reasons) with reason "" for a good frame,
    "nonfinite" or "constant" for a rejected one (its pixels are then meaningless)."""
    finite = np.isfinite(frames).all(axis=(1, 2, 3))
    safe = np.where(np.isfinite(frames), frames, 0.0)
    small = resolve(safe, supersample)
    images = np.clip(np.rint(np.clip(small, 0.0, 1.0) * 255.0), 0, 255).astype(np.uint8)
    stds = images.reshape(len(images), -1).std(axis=1)
    reasons = ["nonfinite" if not f else ("constant" if s < MIN_STD else "") for f, s in zip(finite, stds)]
    return images, reasons


def encode_png(image: np.ndarray, compress_level: int = 6) -> bytes:
    """Lossless PNG of an [H, W, 3] or [H, W] uint8 array. Deterministic for a given Pillow/zlib."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def decode_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return np.asarray(im)
