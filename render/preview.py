"""Contact sheets: a grid of images, from a shard set or straight from a bank."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from shards import format as fmt
from shards.cache import open_set


def grid(images: list[np.ndarray], columns: int, cell: int, labels: list[str] | None = None, pad: int = 2) -> Image.Image:
    """Tile uint8 images (H, W, 3) into one sheet, each scaled to `cell` px (nearest, so pixels stay
    visible); an optional label under every row start."""
    rows = max(1, (len(images) + columns - 1) // columns)
    label_h = 12 if labels else 0
    sheet = Image.new("RGB", (columns * (cell + pad) + pad, rows * (cell + pad + label_h) + pad), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        x, y = pad + c * (cell + pad), pad + r * (cell + pad + label_h)
        tile = Image.fromarray(img if img.ndim == 3 else np.stack([img] * 3, -1)).resize((cell, cell), Image.NEAREST)
        sheet.paste(tile, (x, y))
        if labels and labels[i]:
            draw.text((x, y + cell), labels[i][: max(4, cell // 6)], fill=(220, 220, 220))
    return sheet


def sheet_from_shards(location: str | Path, n: int = 64, columns: int = 8, cell: int = 64) -> Image.Image:
    """The first n samples of a shard set (a directory or a URL), labelled by shader."""
    images, labels = [], []
    manifest, source, _ = open_set(str(location))
    reader = fmt.ShardReader(manifest, source)
    size = manifest["config"].get("size")
    for entry in manifest["shards"]:
        for sample in reader.samples(entry):
            where = f"{source.where(entry['name'])}: sample {fmt.key_of(sample.index)}"
            img = fmt.decode_image(sample.png, where, size)
            images.append(img[:, :, 0] if img.shape[2] == 1 else img)
            labels.append(sample.record.get("shader", ""))
            if len(images) >= n:
                return grid(images, columns, cell, labels)
    return grid(images, columns, cell, labels)


def sheet_from_frames(results: dict[str, dict], per_shader: int, cell: int = 64) -> Image.Image:
    """One row per shader (name under the first image); failed shaders get a grey row."""
    images, labels = [], []
    for name in sorted(results):
        r = results[name]
        imgs = list(r["images"]) if r["status"] == "ok" else []
        size = imgs[0].shape[0] if imgs else 8
        imgs += [np.full((size, size, 3), 60, np.uint8)] * (per_shader - len(imgs))
        images += imgs[:per_shader]
        labels += [name if r["status"] == "ok" else f"{name} ({r['status']})"] + [""] * (per_shader - 1)
    return grid(images, per_shader, cell, labels)
