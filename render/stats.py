"""How varied a shader bank's images are: render a sample of every shader, describe, compare.

The student learns only what the images make the teacher say, so the bank's diversity bounds the
method. The figure here is meant to compare banks (ours against the Shadertoy corpus), not to rank
single images.

Descriptor. Each image (uint8 RGB, any square size) becomes three normalised histograms:
  colour     joint RGB histogram, 4 levels per channel (64 bins): which colours, in what amounts;
  gradient   orientation of luminance gradients, 8 bins over [0, pi), weighted by gradient magnitude
             and shared between the two nearest bins: which directions the edges run (stripes, grids,
             radial, isotropic);
  frequency  luminance power spectrum (Hann-windowed, DC removed) in 8 radial bands spaced
             logarithmically from 1 cycle per image to Nyquist: coarse blobs versus fine texture.
Between two images, each histogram pair gives a Hellinger distance in [0, 1]; the image distance is
their root mean square, so it lies in [0, 1]: 0 for images with identical colour, edge-direction and
scale content, 1 when each histogram shares no mass with the other's. In code: each histogram's
square root, divided by sqrt(2 * 3), concatenated; the Euclidean distance between two such vectors is
that figure.

Diversity figures (per family and overall):
  diversity       mean distance over all pairs of images (overall: of a seeded random subsample of at
                  most `max_pairs_images` images). Its expectation does not depend on how many images
                  or shaders were drawn, so banks of different sizes compare directly.
  near_duplicates share of those pairs closer than `dup_threshold` (default 0.05; a 2-pixel shift or
                  faint noise on one image stays well below it): how much of the bank repeats itself.
  within_shader   mean distance between draws of the same shader: how much its random parameters and
                  time change the look (0 = the parameters do nothing).
Pixel statistics (means over images): luminance mean and standard deviation; colourfulness (Hasler &
Suesstrunk 2003, on [0, 1] values); edge density, the share of pixels whose luminance differs from
their right and lower neighbours' by more than 0.1 (gradient norm); high-frequency energy, the share of spectral power above half Nyquist.
Render cost is milliseconds per frame at the measured size, timed by the engine after a warm-up draw.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

log = logging.getLogger(__name__)

COLOUR_LEVELS = 4
ORIENTATION_BINS = 8
FREQUENCY_BANDS = 8
EDGE_STEP = 0.1
BLOCKS = 3
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


@dataclass
class StatsConfig:
    size: int = 64                   # image side in pixels
    per_shader: int = 8              # draws per shader (random time and parameters)
    supersample: int = 1
    seed: int = 0
    workers: int = 0                 # render processes (0 = one per core)
    time_budget: float = 10.0        # seconds before a stuck shader's worker is killed
    max_frame_ms: float = 500.0      # slower shaders are reported and left out
    timing_frames: int = 2           # frames timed per shader for the render cost
    limit: int | None = None         # measure a seeded random subset of this many shaders
    max_pairs_images: int = 2048     # images in the overall pairwise comparison
    dup_threshold: float = 0.05


# ---- per-image measurements (pure numpy) ----

def _luma(images: np.ndarray) -> np.ndarray:
    return images.astype(np.float32) @ (LUMA / 255.0)


def _gradients(lum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences on the interior: gx, gy of [n, H-2, W-2] (change across two pixels)."""
    gx = lum[:, 1:-1, 2:] - lum[:, 1:-1, :-2]
    gy = lum[:, 2:, 1:-1] - lum[:, :-2, 1:-1]
    return gx, gy


def _spectrum(lum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Power [n, H, W] of the Hann-windowed, mean-free luminance, and the radial frequency [H, W]
    in cycles per pixel (DC at 0)."""
    n, h, w = lum.shape
    window = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    centred = (lum - lum.mean(axis=(1, 2), keepdims=True)) * window
    power = np.abs(np.fft.fft2(centred)) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    return power, np.sqrt(fx ** 2 + fy ** 2)


def _normalise(hist: np.ndarray) -> np.ndarray:
    total = hist.sum(axis=1, keepdims=True)
    return np.divide(hist, total, out=np.zeros_like(hist, dtype=np.float64), where=total > 0)


def descriptors(images: np.ndarray) -> np.ndarray:
    """uint8 [n, H, W, 3] -> float32 [n, 80]; Euclidean distance between rows = image distance in [0, 1]."""
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"descriptors() wants uint8 images [n, H, W, 3], got {images.dtype} {images.shape}")
    n = len(images)
    q = (images.astype(np.int64) * COLOUR_LEVELS) // 256
    joint = (q[..., 0] * COLOUR_LEVELS + q[..., 1]) * COLOUR_LEVELS + q[..., 2]
    bins = COLOUR_LEVELS ** 3
    colour = np.bincount((joint.reshape(n, -1) + bins * np.arange(n)[:, None]).ravel(),
                         minlength=bins * n).reshape(n, bins).astype(np.float64)

    lum = _luma(images)
    gx, gy = _gradients(lum)
    mag = np.sqrt(gx ** 2 + gy ** 2).reshape(n, -1)
    # Each gradient is shared between its two nearest bin centres (circularly), so an edge direction
    # lying on a bin border does not flip bins under faint noise.
    pos = np.mod(np.arctan2(gy, gx), np.pi).reshape(n, -1) / np.pi * ORIENTATION_BINS - 0.5
    lo = np.floor(pos)
    frac = pos - lo
    rows = np.repeat(np.arange(n), pos.shape[1])
    orient = np.zeros((n, ORIENTATION_BINS))
    np.add.at(orient, (rows, lo.astype(np.int64).ravel() % ORIENTATION_BINS), (mag * (1 - frac)).ravel())
    np.add.at(orient, (rows, (lo.astype(np.int64).ravel() + 1) % ORIENTATION_BINS), (mag * frac).ravel())

    power, radius = _spectrum(lum)
    h = lum.shape[1]
    edges = np.geomspace(1.0 / h, 0.5, FREQUENCY_BANDS + 1)
    band = np.clip(np.searchsorted(edges, np.minimum(radius, 0.5), side="right") - 1, 0, FREQUENCY_BANDS - 1)
    band = np.where(radius > 0, band, -1)  # DC belongs to no band
    freq = np.stack([power[:, band == b].sum(axis=1) for b in range(FREQUENCY_BANDS)], axis=1)

    blocks = [np.sqrt(_normalise(x)) for x in (colour, orient, freq)]
    return (np.concatenate(blocks, axis=1) / np.sqrt(2.0 * BLOCKS)).astype(np.float32)


def pixel_stats(images: np.ndarray) -> dict[str, np.ndarray]:
    """Per-image statistics of uint8 [n, H, W, 3], each a float array [n] (see the module docstring)."""
    x = images.astype(np.float32) / 255.0
    lum = x @ LUMA
    rg = x[..., 0] - x[..., 1]
    yb = 0.5 * (x[..., 0] + x[..., 1]) - x[..., 2]
    axes = (1, 2)
    colourful = (np.sqrt(rg.std(axis=axes) ** 2 + yb.std(axis=axes) ** 2)
                 + 0.3 * np.sqrt(rg.mean(axis=axes) ** 2 + yb.mean(axis=axes) ** 2))
    dx = lum[:, :-1, 1:] - lum[:, :-1, :-1]   # forward differences: central ones miss 1-pixel detail
    dy = lum[:, 1:, :-1] - lum[:, :-1, :-1]
    edges = (np.sqrt(dx ** 2 + dy ** 2) > EDGE_STEP).mean(axis=axes)
    power, radius = _spectrum(lum)
    total = power[:, radius > 0].sum(axis=1)
    high = power[:, radius > 0.25].sum(axis=1)
    hf = np.divide(high, total, out=np.zeros_like(high), where=total > 0)
    return {"mean": lum.mean(axis=axes), "std": lum.std(axis=axes), "colourfulness": colourful,
            "edge_density": edges, "hf_energy": hf}


# ---- distances between images ----

def pairwise_distances(desc: np.ndarray) -> np.ndarray:
    """[n, D] -> [n, n] Euclidean distances (float64)."""
    d = desc.astype(np.float64)
    sq = (d ** 2).sum(axis=1)
    return np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2.0 * d @ d.T, 0.0))


def diversity(desc: np.ndarray, shader_ids: np.ndarray | None = None, dup_threshold: float = 0.05) -> dict:
    """Mean pairwise distance, share of near-duplicate pairs and (with shader ids) the within- and
    between-shader means over the images `desc` [n, D]. None where there are no pairs."""
    n = len(desc)
    out = {"images": n, "diversity": None, "near_duplicates": None, "within_shader": None, "between_shader": None}
    if n < 2:
        return out
    dist = pairwise_distances(desc)
    iu = np.triu_indices(n, k=1)
    pairs = dist[iu]
    out["diversity"] = float(pairs.mean())
    out["near_duplicates"] = float((pairs < dup_threshold).mean())
    if shader_ids is not None:
        same = (shader_ids[:, None] == shader_ids[None, :])[iu]
        if same.any():
            out["within_shader"] = float(pairs[same].mean())
        if (~same).any():
            out["between_shader"] = float(pairs[~same].mean())
    return out


# ---- a bank's report ----

def summarise(bank, results: dict[str, dict], cfg: StatsConfig) -> dict:
    """The report from per-shader results: name -> {"status", "detail", "ms", "images"?}.

    Statuses: ok, unsupported, compile, hang, slow, degenerate (rendered, but no frame had content).
    """
    families: dict[str, list[str]] = {}
    for s in bank.shaders:
        if s.name in results:
            families.setdefault(s.family, []).append(s.name)
    rng = np.random.default_rng(cfg.seed)
    report = {"bank": bank.path, "bank_hash": bank.hash, "config": asdict(cfg), "families": {}}
    all_desc, all_ids, all_stats, all_ms, all_status = [], [], [], [], {}
    for family in sorted(families):
        names = sorted(families[family])
        desc, ids, stats, ms, status = [], [], [], [], {}
        for i, name in enumerate(names):
            r = results[name]
            status[r["status"]] = status.get(r["status"], 0) + 1
            if r["status"] != "ok":
                continue
            ms.append(r["ms"])
            desc.append(descriptors(r["images"]))
            stats.append(pixel_stats(r["images"]))
            ids.append(np.full(len(r["images"]), len(all_ms) + i, np.int64))
        report["families"][family] = _group_summary(names, status, ms, desc, ids, stats, cfg, rng)
        all_desc += desc
        all_ids += ids
        all_stats += stats
        all_ms += ms + [None] * (len(names) - len(ms))
        for k, v in status.items():
            all_status[k] = all_status.get(k, 0) + v
    report["overall"] = _group_summary(sorted(results), all_status, [m for m in all_ms if m is not None],
                                       all_desc, all_ids, all_stats, cfg, rng)
    report["problems"] = {name: {"status": r["status"], "detail": (r.get("detail") or "").strip()[:300]}
                          for name, r in sorted(results.items()) if r["status"] != "ok"}
    return report


def _group_summary(names, status, ms, desc, ids, stats, cfg: StatsConfig, rng) -> dict:
    out = {"shaders": len(names), "ok": status.get("ok", 0), "status": dict(sorted(status.items())),
           "ms_per_frame_median": float(np.median(ms)) if ms else None,
           "ms_per_frame_mean": float(np.mean(ms)) if ms else None}
    if not desc:
        return {**out, **diversity(np.zeros((0, 1)))}
    d, i = np.concatenate(desc), np.concatenate(ids)
    if len(d) > cfg.max_pairs_images:
        keep = np.sort(rng.choice(len(d), cfg.max_pairs_images, replace=False))
        d, i = d[keep], i[keep]
    out.update(diversity(d, i, cfg.dup_threshold))
    out["images"] = int(sum(len(x) for x in desc))
    for key in stats[0]:
        out[key] = float(np.concatenate([s[key] for s in stats]).mean())
    return out


def bank_stats(path: str, cfg: StatsConfig, on_event=lambda kind, **info: None) -> tuple[dict, dict]:
    """Render `cfg.per_shader` draws of every (or a sampled subset of) shader of the bank at `path` and
    measure them. Returns (report, results) with results name -> status, detail, ms and images."""
    from render.bank import load_bank
    from render.pool import WorkerPool, worker_count, worker_settings
    from render.run import check_shaders, sample_frames

    bank = load_bank(path)
    shaders = list(bank.shaders)
    if cfg.limit is not None and cfg.limit < len(shaders):
        pick = np.random.default_rng(cfg.seed).choice(len(shaders), cfg.limit, replace=False)
        shaders = [shaders[k] for k in sorted(pick)]
    results: dict[str, dict] = {s.name: {"status": "unsupported", "detail": s.unsupported, "ms": None}
                                for s in shaders if not s.usable}
    usable = [s.name for s in shaders if s.usable]
    on_event("start", shaders=len(shaders), usable=len(usable), bank_hash=bank.hash)
    if usable:
        settings = worker_settings(path, bank.hash, cfg.size, cfg.supersample)
        workers = worker_count(cfg.workers, len(usable))
        with WorkerPool(workers, settings, cfg.time_budget) as pool:
            checked = check_shaders(pool, usable, cfg.timing_frames, cfg.max_frame_ms,
                                    lambda kind, **info: on_event("checked", **info))
        for r in checked.values():
            # a shader that ignores its inputs is measured all the same: within_shader shows it (near 0)
            if r["status"] == "static":
                r["status"] = "ok"
        results.update(checked)
        ok = [n for n in usable if checked[n]["status"] == "ok"]
        frames = sample_frames(str(path), ok, cfg.per_shader, cfg.size, cfg.supersample, seed=cfg.seed,
                               workers=cfg.workers, time_budget=cfg.time_budget,
                               on_event=lambda kind, **info: on_event("sampled", **info))
        for name in ok:
            f = frames.get(name, {"status": "hang", "detail": "no frames came back"})
            if f["status"] != "ok":
                results[name] = {**results[name], "status": f["status"], "detail": f.get("detail", "")}
            elif len(f["images"]) == 0:
                results[name] = {**results[name], "status": "degenerate",
                                 "detail": f"no frame of {4 * cfg.per_shader} draws had content"}
            else:
                results[name]["images"] = f["images"]
    return summarise(bank, results, cfg), results


def contact_sheet(results: dict[str, dict], n: int = 64, seed: int = 0, cell: int = 64):
    """A PIL sheet of n images, each from a different randomly chosen shader (all shaders when fewer)."""
    from render.preview import grid

    ok = sorted(name for name, r in results.items() if r["status"] == "ok")
    rng = np.random.default_rng(seed)
    names = [ok[k] for k in sorted(rng.choice(len(ok), min(n, len(ok)), replace=False))] if ok else []
    images = [results[name]["images"][int(rng.integers(len(results[name]["images"])))] for name in names]
    return grid(images, columns=8, cell=cell, labels=names)


def side_by_side(sheets: list, titles: list[str], pad: int = 8):
    """Sheets next to each other on one image, each under its title (a bank and its figures)."""
    from PIL import Image, ImageDraw

    title_h = 16 * max(t.count("\n") + 1 for t in titles)
    width = sum(s.width for s in sheets) + pad * (len(sheets) + 1)
    out = Image.new("RGB", (width, max(s.height for s in sheets) + title_h + 2 * pad), (24, 24, 24))
    draw, x = ImageDraw.Draw(out), pad
    for sheet, title in zip(sheets, titles):
        draw.multiline_text((x, pad // 2), title, fill=(230, 230, 230))
        out.paste(sheet, (x, title_h + pad))
        x += sheet.width + pad
    return out


def headline(report: dict) -> str:
    o = report["overall"]
    div = "-" if o["diversity"] is None else f"{o['diversity']:.3f}"
    dup = "-" if o["near_duplicates"] is None else f"{o['near_duplicates']:.3f}"
    return f"{report['bank']}: {o['ok']}/{o['shaders']} shaders rendered\ndiversity {div}, near-duplicates {dup}"


COLUMNS = [("shaders", "shaders", "{:d}"), ("ok", "ok", "{:d}"), ("ms_per_frame_median", "ms/frame", "{:.1f}"),
           ("mean", "mean", "{:.2f}"), ("std", "std", "{:.2f}"), ("colourfulness", "colour", "{:.2f}"),
           ("edge_density", "edges", "{:.2f}"), ("hf_energy", "hf", "{:.3f}"),
           ("diversity", "diversity", "{:.3f}"), ("near_duplicates", "dup", "{:.3f}"),
           ("within_shader", "within", "{:.3f}")]


def format_table(report: dict) -> str:
    """A plain-text table: one row per family, then the whole bank."""
    rows = [("family", *(title for _, title, _ in COLUMNS))]
    for name, group in [*report["families"].items(), ("ALL", report["overall"])]:
        cells = []
        for key, _, fmt in COLUMNS:
            v = group.get(key)
            cells.append("-" if v is None else fmt.format(v))
        rows.append((name, *cells))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(len(lines) - 1, "-" * len(lines[0]))
    status = ", ".join(f"{k} {v}" for k, v in report["overall"]["status"].items())
    lines.append(f"status of {report['overall']['shaders']} shaders: {status}")
    return "\n".join(lines)


def format_comparison(reports: list[dict]) -> str:
    """One row per bank (its overall figures), to put banks side by side."""
    rows = [("bank", *(title for _, title, _ in COLUMNS))]
    for report in reports:
        group = report["overall"]
        rows.append((report["bank"], *("-" if group.get(k) is None else f.format(group[k]) for k, _, f in COLUMNS)))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if k == 0 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))) for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)
