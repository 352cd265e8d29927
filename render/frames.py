"""From float frames to the images that go into shards: checks, supersample resolve, PNG.

A frame is rejected (and its sample redrawn) when it holds NaN/inf or is near-constant: such
images teach a student nothing and waste the teacher's attention.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import deflate

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
    constant = near_constant(images)
    reasons = ["nonfinite" if not f else ("constant" if c else "") for f, c in zip(finite, constant.tolist())]
    return images, reasons


def untile(atlas: np.ndarray, n: int, px: int) -> np.ndarray:
    """An atlas [rows * px, cols * px, C] in GL order (row 0 at the bottom; tile i at row block i // cols
    from the bottom, column i % cols) -> its first n tiles as frames [n, px, px, C], row 0 at the top."""
    rows, cols, c = atlas.shape[0] // px, atlas.shape[1] // px, atlas.shape[2]
    tiles = atlas.reshape(rows, px, cols, px, c).transpose(0, 2, 1, 3, 4).reshape(-1, px, px, c)
    return np.ascontiguousarray(tiles[:n, ::-1])


def finish_atlas(atlas: np.ndarray, n: int, px: int, supersample: int) -> tuple[np.ndarray, list[str]]:
    """`finish` of the first n tiles of an atlas (see `untile`), the same images and reasons, in one
    pass over the whole atlas. Without supersampling every step but the standard deviation is
    per pixel, so it runs on the atlas as it was read (in place: `atlas` is overwritten) and only
    the uint8 images are cut out: a quarter of the bytes the float frames would be."""
    if supersample != 1:
        return finish(untile(atlas, n, px), supersample)
    rows, cols = atlas.shape[0] // px, atlas.shape[1] // px
    # A NaN or an infinity anywhere makes the sum NaN or infinite, so a finite sum means every value is
    # finite: one read of the atlas, no mask (a sum that overflows takes the per-value test).
    with np.errstate(over="ignore", invalid="ignore"):
        total = atlas.sum()
    if np.isfinite(total):
        tile_finite = np.ones(n, bool)
    else:
        finite = np.isfinite(atlas)
        tile_finite = finite.reshape(rows, px, cols, px, 3).all(axis=(1, 3, 4)).ravel()[:n]
        if not tile_finite.all():
            np.copyto(atlas, 0.0, where=~finite)
    np.clip(atlas, 0.0, 1.0, out=atlas)
    np.multiply(atlas, np.float32(255.0), out=atlas)
    # rounded in float32, then cast to uint8 as astype casts; already within [0, 255], so `finish`'s second
    # clip changes nothing (a NaN left in an unused tile casts to some value, never used)
    with np.errstate(invalid="ignore"):
        pixels = np.rint(atlas, out=np.empty(atlas.shape, np.uint8), casting="unsafe")
    images = untile(pixels, n, px)
    constant = near_constant(images)
    reasons = ["nonfinite" if not f else ("constant" if c else "")
               for f, c in zip(tile_finite.tolist(), constant.tolist())]
    return images, reasons


def near_constant(images: np.ndarray) -> np.ndarray:
    """bool [n]: is the standard deviation of each uint8 image's values below MIN_STD, the same answer
    as numpy's `std(...) < MIN_STD`, from exact integer sums (a third of `std`'s time: no float64 copy).

    With m values, m^2 * variance = m * sum(x^2) - sum(x)^2 exactly. Unless that equals MIN_STD^2 * m^2
    exactly, the exact variance is at least 1/m^2 (> 9e-13 for m <= 2^20) from MIN_STD^2, far more than
    the rounding of numpy's float64 variance there (~1e-14), so both sides agree; the exact ties, and
    images of more than 2^20 values, are decided by numpy's `std` itself."""
    flat = images.reshape(len(images), -1)
    m = flat.shape[1]
    limit = MIN_STD * MIN_STD * m * m
    if m > 2 ** 20 or limit != int(limit):
        return flat.std(axis=1) < MIN_STD
    total = flat.sum(axis=1, dtype=np.int64)
    # 255^2 fits in uint16; squared a block of images at a time: a whole atlas's uint16 copy (6 MB at
    # 32 px) was fresh memory every shard, and zeroing its pages cost the kernel more than the squares
    step = max(1, (1 << 18) // m)
    squares = np.concatenate([np.square(flat[i:i + step], dtype=np.uint16).sum(axis=1, dtype=np.int64)
                              for i in range(0, len(flat), step)])
    spread = m * squares - total * total
    constant = spread < int(limit)
    tie = spread == int(limit)
    if tie.any():
        constant[tie] = flat[tie].std(axis=1) < MIN_STD
    return constant


# libdeflate level (1-12): 2.7x faster than zlib's level 1 here, 6% larger (bench/NOTES-render.md). Not ISA-L,
# as before: the same pixels sometimes came out as other bytes in another process (two runs of one render
# wrote shards with other sha256), which breaks the byte-identical shards the format promises.
PNG_LEVEL = 1


def encode_png(image: np.ndarray, level: int = PNG_LEVEL) -> bytes:
    """Lossless PNG of an [H, W, 3] (RGB) or [H, W] (L) uint8 array: no row filter, one zlib stream
    compressed by libdeflate (a standard zlib stream: any PNG reader decodes it; `decode_png` uses Pillow).

    Written here rather than by Pillow: at 32 px Pillow's per-image overhead was half its encoding
    cost. The same bytes for the same pixels for a given libdeflate version (the shard bytes depend on
    it, as on Mesa's).
    """
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise ValueError(f"encode_png takes uint8 [H, W, 3] or [H, W], not {image.dtype} {list(image.shape)}")
    h, w = image.shape[:2]
    rows = np.empty((h, 1 + image[0].size), np.uint8)
    rows[:, 0] = 0  # filter type None on every row
    rows[:, 1:] = image.reshape(h, -1)
    colour = 2 if image.ndim == 3 else 0
    return b"".join((b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0)),
                     _chunk(b"IDAT", deflate.zlib_compress(rows.tobytes(), level)), _chunk(b"IEND", b"")))


def encode_pngs(images: np.ndarray, level: int = PNG_LEVEL) -> list[bytes]:
    """`encode_png` of each uint8 [H, W, 3] image of [n, H, W, 3], the same bytes: the filter bytes
    are laid out for all images at once and the IHDR and IEND chunks are built once."""
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[3] != 3:
        raise ValueError(f"encode_pngs takes uint8 [n, H, W, 3], not {images.dtype} {list(images.shape)}")
    n, h, w = images.shape[:3]
    rows = np.zeros((n, h, 1 + w * 3), np.uint8)  # filter type None (0) on every row
    rows[:, :, 1:] = images.reshape(n, h, w * 3)
    head = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    tail = _chunk(b"IEND", b"")
    idat_crc = zlib.crc32(b"IDAT")
    out = []
    for r in rows:
        data = deflate.zlib_compress(r, level)
        out.append(b"".join((head, struct.pack(">I", len(data)), b"IDAT", data,
                             struct.pack(">I", zlib.crc32(data, idat_crc)), tail)))
    return out


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def decode_png(data: bytes) -> np.ndarray:
    from PIL import Image  # here, not at the top: a render worker writes PNGs, it never reads one

    with Image.open(io.BytesIO(data)) as im:
        im.load()
        return np.asarray(im)
