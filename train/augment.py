"""Batched augmentation on the device, with independent random parameters for every image.

airbench-style: no per-image pipeline. `Augmenter.draw` samples every image's parameters at once
from a CPU torch.Generator (so a batch is reproducible from the seed on any device), and
`Augmenter.apply` runs them as a handful of batched tensor ops on the images' device:

  geometry   one affine warp per image (random resized crop or pad-and-crop, flips, rotation,
             and the resize to the teacher's input size), a single bilinear grid_sample
  colour     brightness, contrast, saturation, hue (YIQ rotation), each with a per-image factor
  channels   RGB -> luma for one-channel teachers (or grey -> RGB)
  tone       autocontrast, gamma, inversion, soft binarisation (sparse bright strokes on black,
             which is what a digit classifier has seen)
  randaug    N layers of RandAugment-style operations at magnitude M, one op drawn per image
  elastic    a per-image elastic distortion with torchvision's field recipe (train/elastic.py)
  mixing     mixup and cutmix with a partner image; labels need no mixing here: the teacher
             labels the mixed image itself

Images are float (B, C, H, W) in [0, 1]; everything stays in [0, 1].
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from train.elastic import apply_elastic, check_elastic, draw_elastic   # quality hook (issue 14)
from train.transform import match_channels

RANDAUG_OPS = ("identity", "autocontrast", "equalize", "rotate", "solarize", "color", "posterize",
               "contrast", "brightness", "sharpness", "shear_x", "shear_y", "translate_x", "translate_y")


@dataclass
class AugmentConfig:
    """Every knob of the augmentation; strengths of 0 (or probabilities of 0) switch an op off."""
    enabled: bool = True
    crop: str = "resized"            # "resized" (random resized crop), "pad" (pad-and-crop), "none"
    crop_scale: tuple[float, float] = (0.25, 1.0)   # area fraction of the random resized crop
    crop_ratio: tuple[float, float] = (3 / 4, 4 / 3)  # aspect ratio range of the crop
    pad: int = 4                     # pad-and-crop: maximum shift in pixels
    fill: str = "reflection"         # what lies outside the image: "reflection", "zeros", "border"
    hflip: float = 0.5               # probability of a horizontal flip
    vflip: float = 0.0               # probability of a vertical flip
    rotate: float = 0.0              # maximum rotation in degrees (uniform in [-rotate, rotate])
    jitter: float = 0.8              # probability that an image gets colour jitter
    brightness: float = 0.4          # factor uniform in [1 - b, 1 + b]
    contrast: float = 0.4
    saturation: float = 0.4
    hue: float = 0.1                 # hue rotation uniform in [-hue, hue] turns
    autocontrast: float = 0.0        # probability of stretching an image to the full [0, 1] range
    gamma: tuple[float, float] = (1.0, 1.0)  # tone curve x ** g, g log-uniform in this range
    invert: float = 0.0              # probability of x -> 1 - x
    binarize: float = 0.0            # probability of a steep sigmoid at a random level (stroke-like)
    randaug_n: int = 0               # RandAugment: operations per image (0 = off)
    randaug_m: float = 9.0           # RandAugment magnitude on the paper's 0..30 scale
    mixup: float = 0.0               # probability that an image is mixed up with a partner
    mixup_alpha: float = 1.0         # Beta(alpha, alpha) mixing weight
    cutmix: float = 0.0              # probability that an image gets a partner's patch
    cutmix_alpha: float = 1.0
    # -- quality hook (issue 14): elastic distortion per image, train/elastic.py
    elastic: float = 0.0             # probability that an image gets an elastic distortion
    elastic_alpha: float = 50.0      # torchvision's alpha and sigma, in pixels of the teacher's input
    elastic_sigma: float = 5.0

    def __post_init__(self):
        self.crop_scale = tuple(self.crop_scale)
        self.crop_ratio = tuple(self.crop_ratio)
        self.gamma = tuple(self.gamma)
        if self.crop not in ("resized", "pad", "none"):
            raise ValueError(f"augment.crop must be 'resized', 'pad' or 'none', not {self.crop!r}")
        if self.fill not in ("reflection", "zeros", "border"):
            raise ValueError(f"augment.fill must be 'reflection', 'zeros' or 'border', not {self.fill!r}")
        if not 0 < self.crop_scale[0] <= self.crop_scale[1] <= 1:
            raise ValueError(f"augment.crop_scale must satisfy 0 < lo <= hi <= 1, got {self.crop_scale}")
        if not 0 < self.crop_ratio[0] <= self.crop_ratio[1]:
            raise ValueError(f"augment.crop_ratio must satisfy 0 < lo <= hi, got {self.crop_ratio}")
        if not 0 < self.gamma[0] <= self.gamma[1]:
            raise ValueError(f"augment.gamma must satisfy 0 < lo <= hi, got {self.gamma}")
        for name in ("hflip", "vflip", "jitter", "mixup", "cutmix", "autocontrast", "invert", "binarize"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"augment.{name} is a probability, got {getattr(self, name)}")
        if not 0 <= self.randaug_m <= 30:
            raise ValueError(f"augment.randaug_m is on the 0..30 scale, got {self.randaug_m}")
        if self.mixup_alpha <= 0 or self.cutmix_alpha <= 0:
            raise ValueError("augment.mixup_alpha and augment.cutmix_alpha must be positive")
        check_elastic(self)   # quality hook (issue 14)


# ---------------------------------------------------------------- random draws (CPU generator)

def _u(n: int, lo: float, hi: float, gen: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=gen)


def _bern(n: int, p: float, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen) < p


def sample_gamma(alpha: float, n: int, gen: torch.Generator) -> torch.Tensor:
    """Gamma(alpha, 1) samples from a torch.Generator (Marsaglia & Tsang 2000), shape (n,).

    torch.distributions cannot take a Generator, and every draw here must replay from the seed.
    """
    boost = alpha < 1
    a = alpha + 1 if boost else alpha
    d = a - 1 / 3
    c = 1 / math.sqrt(9 * d)
    out = torch.empty(n)
    todo = torch.arange(n)
    while len(todo):
        z = torch.randn(len(todo), generator=gen)
        u = torch.rand(len(todo), generator=gen)
        v = (1 + c * z) ** 3
        ok = (v > 0) & (torch.log(u.clamp_min(1e-30)) < 0.5 * z ** 2 + d - d * v + d * torch.log(v.clamp_min(1e-30)))
        out[todo[ok]] = d * v[ok]
        todo = todo[~ok]
    if boost:
        out = out * torch.rand(n, generator=gen) ** (1 / alpha)
    return out


def sample_beta(alpha: float, n: int, gen: torch.Generator) -> torch.Tensor:
    a, b = sample_gamma(alpha, n, gen), sample_gamma(alpha, n, gen)
    return a / (a + b).clamp_min(1e-12)


# ---------------------------------------------------------------- pure batched ops

def warp(x: torch.Tensor, theta: torch.Tensor, out_size: tuple[int, int], fill: str = "reflection") -> torch.Tensor:
    """Per-image affine warp. theta (B, 2, 3) maps output to input coordinates in [-1, 1]."""
    b, c = x.shape[:2]
    grid = F.affine_grid(theta.to(x.dtype), [b, c, *out_size], align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode=fill, align_corners=False)


def _grey(x: torch.Tensor) -> torch.Tensor:
    return match_channels(x, 1) if x.shape[1] == 3 else x


def adjust_brightness(x, f):
    return (x * f.view(-1, 1, 1, 1)).clamp(0, 1)


def adjust_contrast(x, f):
    mean = _grey(x).mean(dim=(1, 2, 3), keepdim=True)
    return ((x - mean) * f.view(-1, 1, 1, 1) + mean).clamp(0, 1)


def adjust_saturation(x, f):
    if x.shape[1] == 1:
        return x
    g = _grey(x)
    return ((x - g) * f.view(-1, 1, 1, 1) + g).clamp(0, 1)


def adjust_hue(x, turns):
    """Rotate the chroma plane of YIQ by `turns` (B,) of a full turn."""
    if x.shape[1] == 1:
        return x
    to_yiq = torch.tensor([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]],
                          device=x.device, dtype=x.dtype)
    from_yiq = torch.linalg.inv(to_yiq)
    a = turns.to(x.device, x.dtype) * 2 * math.pi
    cos, sin = a.cos(), a.sin()
    rot = torch.zeros(len(a), 3, 3, device=x.device, dtype=x.dtype)
    rot[:, 0, 0] = 1
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cos, -sin, sin, cos
    m = from_yiq @ rot @ to_yiq                                   # (B, 3, 3)
    return torch.einsum("bij,bjhw->bihw", m, x).clamp(0, 1)


def solarize(x, threshold):
    t = threshold.view(-1, 1, 1, 1)
    return torch.where(x >= t, 1 - x, x)


def posterize(x, bits):
    levels = (2 ** bits.to(x.dtype)).view(-1, 1, 1, 1)
    return torch.floor(x * 255 / (256 / levels)) * (256 / levels) / 255


def autocontrast(x):
    lo = x.amin(dim=(2, 3), keepdim=True)
    hi = x.amax(dim=(2, 3), keepdim=True)
    scale = torch.where(hi > lo, 1 / (hi - lo).clamp_min(1e-6), torch.ones_like(hi))
    return torch.where(hi > lo, (x - lo) * scale, x).clamp(0, 1)


def stretch(x):
    """Per image (all channels together): map [min, max] to [0, 1]."""
    lo = x.amin(dim=(1, 2, 3), keepdim=True)
    hi = x.amax(dim=(1, 2, 3), keepdim=True)
    return torch.where(hi > lo, (x - lo) / (hi - lo).clamp_min(1e-6), x)


def equalize(x):
    """Histogram equalisation per image and channel on 256 levels."""
    b, c, h, w = x.shape
    q = (x * 255).round().long().clamp(0, 255).view(b * c, h * w)
    hist = torch.zeros(b * c, 256, device=x.device, dtype=x.dtype).scatter_add_(1, q, torch.ones_like(q, dtype=x.dtype))
    cdf = hist.cumsum(1)
    cdf_min = torch.where(hist > 0, cdf, torch.full_like(cdf, float(h * w))).amin(1, keepdim=True)
    lut = ((cdf - cdf_min) / (h * w - cdf_min).clamp_min(1)).clamp(0, 1)
    flat = torch.gather(lut, 1, q)
    return flat.view(b, c, h, w)


def sharpness(x, f):
    c = x.shape[1]
    k = torch.tensor([[1.0, 1, 1], [1, 5, 1], [1, 1, 1]], device=x.device, dtype=x.dtype) / 13
    smooth = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), k.expand(c, 1, 3, 3), groups=c)
    return (smooth + (x - smooth) * f.view(-1, 1, 1, 1)).clamp(0, 1)


def _affine(rows: torch.Tensor) -> torch.Tensor:
    """(B, 2, 3) from a (B, 6) tensor of [a, b, tx, c, d, ty]."""
    return rows.view(-1, 2, 3)


def shear_theta(s: torch.Tensor, axis: str) -> torch.Tensor:
    z, o = torch.zeros_like(s), torch.ones_like(s)
    cols = [o, s, z, z, o, z] if axis == "x" else [o, z, z, s, o, z]
    return _affine(torch.stack(cols, 1))


def translate_theta(t: torch.Tensor, axis: str) -> torch.Tensor:
    """t: shift as a fraction of the image side."""
    z, o = torch.zeros_like(t), torch.ones_like(t)
    cols = [o, z, 2 * t, z, o, z] if axis == "x" else [o, z, z, z, o, 2 * t]
    return _affine(torch.stack(cols, 1))


def rotate_theta(deg: torch.Tensor) -> torch.Tensor:
    a = deg * math.pi / 180
    z = torch.zeros_like(a)
    return _affine(torch.stack([a.cos(), -a.sin(), z, a.sin(), a.cos(), z], 1))


def cutmix_mask(lam: torch.Tensor, cy: torch.Tensor, cx: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """(B, 1, H, W) bool: a box of area ~(1 - lam) centred at (cy, cx) in [0, 1]."""
    side = (1 - lam).clamp(0, 1).sqrt()
    ys = (torch.arange(h, device=lam.device, dtype=lam.dtype) + 0.5) / h
    xs = (torch.arange(w, device=lam.device, dtype=lam.dtype) + 0.5) / w
    iny = (ys.view(1, h) - cy.view(-1, 1)).abs() <= side.view(-1, 1) / 2
    inx = (xs.view(1, w) - cx.view(-1, 1)).abs() <= side.view(-1, 1) / 2
    return (iny[:, :, None] & inx[:, None, :])[:, None]


# ---------------------------------------------------------------- the augmenter

class Augmenter:
    """Draws per-image parameters and applies them; output is (B, out_channels, *out_size)."""

    def __init__(self, cfg: AugmentConfig, out_size: tuple[int, int], out_channels: int):
        self.cfg, self.out_size, self.out_channels = cfg, tuple(out_size), out_channels

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        return self.apply(x, self.draw(len(x), x.shape[-2:], gen))

    # -- parameters
    def draw(self, n: int, in_size: tuple[int, int], gen: torch.Generator) -> dict[str, torch.Tensor]:
        """All random parameters of a batch of n images, as CPU tensors with leading dim n."""
        cfg = self.cfg
        if not cfg.enabled:
            return {"theta": torch.eye(2, 3).expand(n, 2, 3).clone()}
        p: dict[str, torch.Tensor] = {}
        # geometry: output -> input map  in = R @ diag(sx, sy) @ out + t
        sx, sy = torch.ones(n), torch.ones(n)
        tx, ty = torch.zeros(n), torch.zeros(n)
        if cfg.crop == "resized":
            area = _u(n, *cfg.crop_scale, gen)
            logr = _u(n, math.log(cfg.crop_ratio[0]), math.log(cfg.crop_ratio[1]), gen)
            sx = (area * logr.exp()).sqrt().clamp(max=1)
            sy = (area / logr.exp()).sqrt().clamp(max=1)
            tx = (1 - sx) * _u(n, -1, 1, gen)
            ty = (1 - sy) * _u(n, -1, 1, gen)
        elif cfg.crop == "pad":
            h, w = in_size
            tx = torch.randint(-cfg.pad, cfg.pad + 1, (n,), generator=gen).float() * 2 / w
            ty = torch.randint(-cfg.pad, cfg.pad + 1, (n,), generator=gen).float() * 2 / h
        sx = sx * torch.where(_bern(n, cfg.hflip, gen), -1.0, 1.0)
        sy = sy * torch.where(_bern(n, cfg.vflip, gen), -1.0, 1.0)
        angle = _u(n, -cfg.rotate, cfg.rotate, gen) * math.pi / 180
        cos, sin = angle.cos(), angle.sin()
        p["theta"] = torch.stack([cos * sx, -sin * sy, tx, sin * sx, cos * sy, ty], 1).view(n, 2, 3)
        # colour jitter
        if cfg.jitter > 0:
            p["jitter"] = _bern(n, cfg.jitter, gen)
            p["brightness"] = _u(n, 1 - cfg.brightness, 1 + cfg.brightness, gen)
            p["contrast"] = _u(n, 1 - cfg.contrast, 1 + cfg.contrast, gen)
            p["saturation"] = _u(n, 1 - cfg.saturation, 1 + cfg.saturation, gen)
            p["hue"] = _u(n, -cfg.hue, cfg.hue, gen)
        # tone: autocontrast, gamma, inversion, soft binarisation
        if cfg.autocontrast > 0:
            p["autocontrast"] = _bern(n, cfg.autocontrast, gen)
        if cfg.gamma != (1.0, 1.0):
            p["gamma"] = _u(n, math.log(cfg.gamma[0]), math.log(cfg.gamma[1]), gen).exp()
        if cfg.invert > 0:
            p["invert"] = _bern(n, cfg.invert, gen)
        if cfg.binarize > 0:
            p["binarize"] = _bern(n, cfg.binarize, gen)
            p["binarize_level"] = _u(n, 0.3, 0.7, gen)
            p["binarize_steepness"] = _u(n, math.log(8), math.log(64), gen).exp()
        # RandAugment: one op per image and layer, magnitude with a random sign
        if cfg.randaug_n > 0:
            p["ra_op"] = torch.randint(0, len(RANDAUG_OPS), (n, cfg.randaug_n), generator=gen)
            p["ra_sign"] = torch.where(_bern(n * cfg.randaug_n, 0.5, gen), -1.0, 1.0).view(n, cfg.randaug_n)
        # mixing with a partner (a permutation of the batch)
        if cfg.mixup > 0 or cfg.cutmix > 0:
            p["partner"] = torch.randperm(n, generator=gen)
            p["mixup"] = _bern(n, cfg.mixup, gen)
            p["mixup_lam"] = sample_beta(cfg.mixup_alpha, n, gen)
            p["cutmix"] = _bern(n, cfg.cutmix, gen) & ~p["mixup"]
            p["cutmix_lam"] = sample_beta(cfg.cutmix_alpha, n, gen)
            p["cutmix_cy"], p["cutmix_cx"] = _u(n, 0, 1, gen), _u(n, 0, 1, gen)
        p.update(draw_elastic(cfg, n, self.out_size, gen))   # quality hook (issue 14): last, so other draws replay
        return p

    # -- application
    def apply(self, x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
        """The augmented batch: every image transformed with its own parameters, then mixed with its partner."""
        return self.mix(self.transform(x, p, self.warps(x, p)), p)

    def apply_at(self, x: torch.Tensor, p: dict[str, torch.Tensor], want: torch.Tensor) -> torch.Tensor:
        """apply(x, p)[want] without the work on the other images: the images at the global positions `want`
        (a 1-D index) and the mixing partners they need are transformed, nothing else.

        x is the whole batch the parameters p were drawn for (uint8 or float; only the rows needed are
        converted). This is how a rank of a data-parallel run augments its slice of the global batch with
        the global batch's draws (train/distributed.py)."""
        want = want.cpu()
        need = want
        if "partner" in p:
            mixes = p["mixup"][want] | p["cutmix"][want]
            need = torch.cat([want, p["partner"][want][mixes]])
        need = torch.unique(need)                      # sorted
        row = torch.full((len(x),), -1, dtype=torch.long)
        row[need] = torch.arange(len(need))
        sub = {k: v[need] for k, v in p.items() if k != "partner"}
        xs = x[need.to(x.device)]
        xs = xs.float().div_(255) if xs.dtype == torch.uint8 else xs
        t = self.transform(xs, sub, self.warps(x, p))
        own = t[row[want].to(t.device)]
        if "partner" not in p:
            return own.clamp(0, 1)
        partner = p["partner"][want]
        partner = torch.where(mixes, partner, want)    # unmixed images need no partner: any row will do
        local = {k: p[k][want] for k in ("mixup", "mixup_lam", "cutmix", "cutmix_lam", "cutmix_cy", "cutmix_cx")}
        return self._mix_with(own, t[row[partner].to(t.device)], local)

    def warps(self, x: torch.Tensor, p: dict[str, torch.Tensor]) -> bool:
        """Whether the batch goes through the affine warp (decided for the whole batch, so a slice of it
        gets the same arithmetic as the batch)."""
        identity = torch.eye(2, 3).expand(len(p["theta"]), 2, 3)
        return tuple(x.shape[-2:]) != self.out_size or not torch.equal(p["theta"].cpu(), identity)

    def transform(self, x: torch.Tensor, p: dict[str, torch.Tensor], warp_it: bool = True) -> torch.Tensor:
        """Everything of the augmentation that acts on each image alone (geometry, colour, tone,
        RandAugment, elastic), with each image's parameters: rows of p match rows of x."""
        dev = x.device
        p = {k: v.to(dev) for k, v in p.items()}
        cfg = self.cfg
        if warp_it:
            x = warp(x, p["theta"], self.out_size, cfg.fill)
        if "jitter" in p:
            m = p["jitter"].view(-1, 1, 1, 1)
            y = adjust_brightness(x, p["brightness"])
            y = adjust_contrast(y, p["contrast"])
            y = adjust_saturation(y, p["saturation"])
            y = adjust_hue(y, p["hue"])
            x = torch.where(m, y, x)
        x = match_channels(x, self.out_channels)   # tone and RandAugment act on what the teacher sees
        if "autocontrast" in p:
            x = torch.where(p["autocontrast"].view(-1, 1, 1, 1), stretch(x), x)
        if "gamma" in p:
            x = x.clamp_min(0) ** p["gamma"].view(-1, 1, 1, 1).to(x.dtype)
        if "invert" in p:
            x = torch.where(p["invert"].view(-1, 1, 1, 1), 1 - x, x)
        if "binarize" in p:
            soft = torch.sigmoid((x - p["binarize_level"].view(-1, 1, 1, 1)) * p["binarize_steepness"].view(-1, 1, 1, 1))
            x = torch.where(p["binarize"].view(-1, 1, 1, 1), soft, x)
        if "ra_op" in p:
            for layer in range(p["ra_op"].shape[1]):
                x = self._randaug_layer(x, p["ra_op"][:, layer], p["ra_sign"][:, layer])
        return apply_elastic(x, p, cfg)   # quality hook (issue 14): a no-op when augment.elastic = 0

    def mix(self, x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mixup and cutmix of every transformed image with its partner (p["partner"], a permutation)."""
        if "partner" not in p:
            return x.clamp(0, 1)
        return self._mix_with(x, x[p["partner"].to(x.device)], p)

    @staticmethod
    def _mix_with(x: torch.Tensor, other: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
        p = {k: v.to(x.device) for k, v in p.items()}
        lam = p["mixup_lam"].view(-1, 1, 1, 1).to(x.dtype)
        mixed = lam * x + (1 - lam) * other
        x2 = torch.where(p["mixup"].view(-1, 1, 1, 1), mixed, x)
        box = cutmix_mask(p["cutmix_lam"], p["cutmix_cy"], p["cutmix_cx"], *x.shape[-2:])
        return torch.where(p["cutmix"].view(-1, 1, 1, 1) & box, other, x2).clamp(0, 1)

    def _randaug_layer(self, x: torch.Tensor, op: torch.Tensor, sign: torch.Tensor) -> torch.Tensor:
        m = self.cfg.randaug_m / 30          # torchvision's full-strength values at m = 30
        out = x.clone()
        for k, name in enumerate(RANDAUG_OPS):
            idx = (op == k).nonzero().flatten()
            if name == "identity" or len(idx) == 0:
                continue
            xs, s = x[idx], sign[idx]
            if name == "autocontrast":
                y = autocontrast(xs)
            elif name == "equalize":
                y = equalize(xs)
            elif name == "rotate":
                y = warp(xs, rotate_theta(30 * m * s), xs.shape[-2:], self.cfg.fill)
            elif name in ("shear_x", "shear_y"):
                y = warp(xs, shear_theta(0.3 * m * s, name[-1]), xs.shape[-2:], self.cfg.fill)
            elif name in ("translate_x", "translate_y"):
                y = warp(xs, translate_theta(0.45 * m * s, name[-1]), xs.shape[-2:], self.cfg.fill)
            elif name == "solarize":
                y = solarize(xs, torch.full_like(s, 1 - m))
            elif name == "posterize":
                y = posterize(xs, torch.full_like(s, 8 - round(4 * m)))
            else:
                factor = 1 + 0.9 * m * s
                y = {"color": adjust_saturation, "contrast": adjust_contrast,
                     "brightness": adjust_brightness, "sharpness": sharpness}[name](xs, factor)
            out[idx] = y
        return out
