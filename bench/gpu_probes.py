"""Small measurements for `bench/gpu_check.py`, each run as its own process so that a hard time box
can kill it, and so that the GL side (moderngl) and torch never share a process.

    python bench/gpu_probes.py env            torch, CUDA, the GPU and a bf16 matmul ceiling (torch)
    python bench/gpu_probes.py egl            an EGL context as the renderer makes it: GL_RENDERER (no torch)
    python bench/gpu_probes.py render-profile where one render worker's time goes, per image (no torch)
    python bench/gpu_probes.py teacher-calib  seconds per training step of a teacher (torch)
    python bench/gpu_probes.py flops          FLOPs of one distillation step of a recipe (torch)

Each prints one JSON object as its last line of stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# ------------------------------------------------------------------------------ torch side

def _device(torch):
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def probe_env(args) -> dict:
    """Versions, the GPU, and the bf16 matmul rate (the ceiling FLOP/s are compared against)."""
    from importlib.metadata import PackageNotFoundError, version

    import torch
    try:   # without importing it: seconds of start-up on a busy CPU
        torchvision = version("torchvision")
    except PackageNotFoundError:
        torchvision = None

    out = {"python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision,
           "cuda_available": torch.cuda.is_available(), "torch_cuda": torch.version.cuda,
           "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None}
    if not torch.cuda.is_available():
        out["matmul_bf16_tflops"] = None
        out["matmul_note"] = "not measured: no CUDA device"
        return out
    props = torch.cuda.get_device_properties(0)
    out.update(gpu=torch.cuda.get_device_name(0), gpu_count=torch.cuda.device_count(),
               capability=".".join(map(str, torch.cuda.get_device_capability(0))),
               gpu_memory_gib=round(props.total_memory / 2 ** 30, 1), multiprocessors=props.multi_processor_count)
    n = args.matmul_n
    a = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(n, n, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(10):
        a @ b
    end.record()
    torch.cuda.synchronize()
    seconds = start.elapsed_time(end) / 1000 / 10
    out["matmul_bf16_tflops"] = round(2 * n ** 3 / seconds / 1e12, 1)
    out["matmul_note"] = f"{n}x{n}x{n} bf16 on random data, mean of 10 after 3 warm-ups (CUDA events)"
    return out


def probe_teacher_calib(args) -> dict:
    """Seconds per training step of the teacher (bf16 autocast and channels_last on CUDA, as
    `shaderkd teacher train` does), FLOPs per image of its forward+backward, and the seconds to
    decode the validation tarball (the training one is `decode_scale` times larger)."""
    import torch
    import torch.nn as nn

    from train.datasets import open_dataset
    from train.models import create_model

    device = _device(torch)
    t0 = time.perf_counter()
    val = open_dataset(args.val)
    decode_val_s = time.perf_counter() - t0
    c, size = val.images.shape[1], val.images.shape[2]
    net = create_model(args.arch, len(val.classes), c).to(device)
    cuda = device.type == "cuda"
    if cuda:
        net = net.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    x = torch.rand(args.batch, c, size, size, device=device)
    if cuda:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, len(val.classes), (args.batch,), device=device)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        with torch.autocast(device.type, torch.bfloat16, enabled=cuda):
            loss = loss_fn(net(x).float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    flops = flop_counter()(step)
    for _ in range(args.warmup):
        step()
    _sync(torch, device)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    _sync(torch, device)
    step_s = (time.perf_counter() - t0) / args.steps
    # evaluation of the validation split once per epoch: forward only, about a third of a step per image
    return {"arch": args.arch, "batch": args.batch, "device": str(device), "step_s": step_s,
            "flops_per_image_train": flops / args.batch, "decode_val_s": decode_val_s, "val_images": len(val),
            "eval_s": step_s / 3 * len(val) / args.batch}


def flop_counter():
    """count(fn) -> FLOPs of the matrix multiplications and convolutions fn runs, forward and backward,
    by the formulas of torch.utils.flop_counter. Its FlopCounterMode tracks modules with backward
    hooks that break torch.autograd.grad on a leaf input (the attack's gradient), so the formulas
    are applied here in a plain dispatch mode."""
    from torch.utils._python_dispatch import TorchDispatchMode
    from torch.utils.flop_counter import flop_registry

    class Flops(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.total = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            formula = flop_registry.get(func._overloadpacket)
            if formula is not None:
                self.total += formula(*args, **kwargs, out_val=out)
            return out

    def count(fn) -> int:
        with Flops() as mode:
            fn()
        return int(mode.total)
    return count


def _shader_batch(torch, shards: str, n: int, size: int, device):
    """n uint8 shader images from a rendered set (cycled when it holds fewer), as floats in [0, 1]."""
    import numpy as np

    from render.frames import decode_png
    from shards import format as fmt

    images = []
    for path in fmt.shard_paths(Path(shards)):
        for sample in fmt.iter_shard(path):
            images.append(decode_png(sample.png))
            if len(images) >= n:
                break
        if len(images) >= n:
            break
    if not images:
        raise SystemExit(f"flops: {shards} holds no images")
    arr = np.stack([images[i % len(images)] for i in range(n)])
    x = torch.from_numpy(arr).permute(0, 3, 1, 2).float().div(255).to(device)
    if x.shape[-1] != size:
        x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", antialias=True)
    return x


def probe_flops(args) -> dict:
    """FLOPs (matrix multiplications and convolutions, torch.utils.flop_counter) of one student step
    of a recipe, split into the passes that make it. The recipe and overrides are the ones the
    distillation command gets, so the count follows the same configuration. The boundary attack
    stops each image where the teacher's class flips, so its count is measured on real shader
    images with the trained teacher (without the augmentation the loop applies first)."""
    import torch

    from train.checkpoint import load_model
    from train.losses import kd_kl
    from train.models import Normalized, create_model
    from train.recipe import expand, load_recipe

    count = flop_counter()

    device = _device(torch)
    recipe = load_recipe(args.recipe, args.set or [])
    teacher, card = load_model(expand(recipe.teacher), device=device)
    size, channels, classes = card["input_size"], card["in_channels"], len(card["classes"])
    student = Normalized(create_model(recipe.student, classes, channels), card["mean"], card["std"]).to(device).train()
    bsz = recipe.data.batch_size
    parts: dict[str, int] = {}
    notes: list[str] = []
    if recipe.method == "shader":
        x = _shader_batch(torch, expand(recipe.data.shards), bsz, size, device)
        with torch.no_grad():
            parts["teacher_forward"] = count(lambda: teacher(x))
        t_logits = teacher(x).detach()

        def student_step():
            kd_kl(student(x), t_logits, recipe.optim.temperature).backward()
        parts["student_forward_backward"] = count(student_step)
        n_adv = int(round(recipe.attack.share * bsz)) if recipe.attack.kind != "none" else 0
        gen = torch.Generator().manual_seed(0)
        try:
            from train.attack import boundary_attack, discrepancy_attack
            if recipe.attack.kind == "boundary" and n_adv >= 2:
                parts["attack"] = count(lambda: boundary_attack(teacher, x[:n_adv // 2], recipe.attack, gen, None))
            elif recipe.attack.kind == "discrepancy" and n_adv >= 1:
                parts["attack"] = count(lambda: discrepancy_attack(teacher, student, x[:n_adv], recipe.attack, gen,
                                                                   recipe.optim.temperature))
        except (ImportError, TypeError, AttributeError) as exc:   # train.attack's interface changed
            notes.append(f"attack not counted: {type(exc).__name__}: {exc}")
    elif recipe.method == "dfad":
        from train.methods import dfad
        from train.methods.generators import dfad_generator, sample_noise

        g = recipe.generator
        generator = dfad_generator(g.nz, channels, size, card["mean"], card["std"]).to(device).train()
        noise = torch.Generator().manual_seed(0)
        parts["generator_forward"] = count(lambda: dfad.generate(generator, bsz, noise, device))
        x = dfad.generate(generator, bsz, noise, device)
        with torch.no_grad():
            parts["teacher_forward"] = count(lambda: teacher(x))
        t_logits = teacher(x).detach()
        parts["student_forward_backward"] = count(lambda: dfad.discrepancy(student(x), t_logits).backward())
        opt_g = torch.optim.Adam(generator.parameters(), lr=g.lr)
        try:
            gen_step = count(lambda: dfad.generator_step(teacher, student, generator, opt_g, bsz, noise))
            parts["generator_step_share"] = gen_step // g.student_steps
            notes.append(f"one generator step ({gen_step / 1e9:.1f} GFLOP) every {g.student_steps} student steps")
        except (TypeError, AttributeError) as exc:
            notes.append(f"generator step not counted: {type(exc).__name__}: {exc}")
    else:
        raise SystemExit(f"flops: method {recipe.method!r} is not counted here (shader and dfad are)")
    return {"recipe": recipe.name, "method": recipe.method, "teacher": card["arch"], "student": recipe.student,
            "batch": bsz, "parts": parts, "flops_per_step": sum(parts.values()), "device": str(device),
            "notes": notes}


# ------------------------------------------------------------------------------ GL side

def probe_egl(args) -> dict:
    """The renderer's own context (render.context.GLRenderer): what EGL gave us, and one frame drawn."""
    from render.context import GLRenderer

    t0 = time.perf_counter()
    gl = GLRenderer(64, args.egl_device)
    info = dict(gl.info)
    info["context_s"] = round(time.perf_counter() - t0, 3)
    prog = gl.compile("probe", "#version 330 core\nout vec4 c; void main() { c = vec4(0.25, 0.5, 0.75, 1.0); }")
    frame = gl.render(prog, [{}])
    info["pixel"] = [round(float(v), 3) for v in frame[0, 0, 0]]
    info["ctx_info"] = {k: v for k, v in gl.ctx.info.items() if k.startswith("GL_MAX_TEXTURE_SIZE")}
    renderer = info["GL_RENDERER"].lower()
    info["software"] = any(w in renderer for w in ("llvmpipe", "softpipe", "swrast", "software"))
    info["nvidia"] = "nvidia" in (info["GL_VENDOR"] + info["GL_RENDERER"]).lower()
    gl.close()
    return info


def probe_render_profile(args) -> dict:
    """Per-image seconds of each phase of a render worker's shard job, in one process on one GL
    context, over the samples `shaderkd render` would draw: shading (the draws, up to the
    read-back), read-back (the blocking read of the float atlas, timed again on its own),
    resolve (box filter and frame checks), PNG encoding, and tar writing."""
    os.environ.setdefault("glsl_zero_init", "true")
    import numpy as np

    from render import frames as F
    from render.bank import load_bank
    from render.context import GLRenderer
    from render.params import draw
    from shards import format as fmt

    bank = load_bank(args.bank)
    shaders = bank.by_name()
    excluded = set(json.loads(Path(args.excluded).read_text())) if args.excluded else set()
    excluded |= {s.name for s in bank.shaders if not s.usable}
    k = args.supersample
    gl = GLRenderer(args.size * k, args.egl_device)
    specs = [draw(args.seed, i, 0, bank.names, excluded) for i in range(args.count)]
    by_shader = defaultdict(list)
    for s in specs:
        by_shader[s.shader].append(s)
    t0 = time.perf_counter()
    progs = {name: gl.compile(name, shaders[name].fragment) for name in by_shader}
    compile_s = time.perf_counter() - t0
    for name, prog in progs.items():     # drivers finish compiling on the first draw
        gl.render(prog, [{"uTime": 0.0}])
    phase = dict.fromkeys(("shading", "read_back", "resolve", "png", "tar"), 0.0)
    samples = []
    px = args.size * k
    for name, group in by_shader.items():
        for start in range(0, len(group), args.batch):
            chunk = group[start:start + args.batch]
            uniforms = [{"uTime": s.time, **{f"uP{j}": v for j, v in enumerate(s.params)}} for s in chunk]
            t0 = time.perf_counter()
            frames = gl.render(progs[name], uniforms)
            t1 = time.perf_counter()
            per = gl.tiles_per_side
            rows = (len(chunk) + per - 1) // per
            gl.fbo.read(viewport=(0, 0, min(len(chunk), per) * px, rows * px), components=3, dtype="f4")
            t2 = time.perf_counter()
            images, reasons = F.finish(frames, k)
            t3 = time.perf_counter()
            pngs = [F.encode_png(im) for im in images]
            t4 = time.perf_counter()
            read = t2 - t1
            phase["shading"] += max(0.0, (t1 - t0) - read)
            phase["read_back"] += read
            phase["resolve"] += t3 - t2
            phase["png"] += t4 - t3
            samples += [(s.index, p, s.record()) for s, p in zip(chunk, pngs)]
    samples.sort(key=lambda t: t[0])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        fmt.write_shard(Path(tmp) / "profile.tar", samples)
        phase["tar"] = time.perf_counter() - t0
    n = len(samples)
    per_image_us = {p: round(1e6 * s / n, 1) for p, s in phase.items()}
    total = sum(phase.values())
    limit = max(phase, key=phase.get)
    return {"size": args.size, "supersample": k, "images": n, "shaders": len(progs), "compile_s": round(compile_s, 3),
            "per_image_us": per_image_us, "share": {p: round(s / total, 3) for p, s in phase.items()},
            "limit": limit, "one_worker_images_per_s": round(n / total, 1),
            "renderer": gl.info["GL_RENDERER"], "mean_png_bytes": int(np.mean([len(p) for _, p, _ in samples]))}


# ------------------------------------------------------------------------------ main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="probe", required=True)
    p = sub.add_parser("env")
    p.add_argument("--matmul-n", type=int, default=8192)
    p = sub.add_parser("egl")
    p.add_argument("--egl-device", type=int, default=None)
    p = sub.add_parser("render-profile")
    p.add_argument("--bank", default=str(ROOT / "shaders"))
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--supersample", type=int, default=2)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--batch", type=int, default=16, help="frames per draw batch (the renderer's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--excluded", default=None, help="JSON list of shaders to leave out (a render's exclusions)")
    p.add_argument("--egl-device", type=int, default=None)
    p = sub.add_parser("teacher-calib")
    p.add_argument("--arch", required=True)
    p.add_argument("--val", required=True, help="dataset spec of the validation split")
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--steps", type=int, default=20)
    p = sub.add_parser("flops")
    p.add_argument("--recipe", required=True)
    p.add_argument("--set", action="append", metavar="KEY=VALUE")
    args = ap.parse_args(argv)
    fn = {"env": probe_env, "egl": probe_egl, "render-profile": probe_render_profile,
          "teacher-calib": probe_teacher_calib, "flops": probe_flops}[args.probe]
    print(json.dumps(fn(args)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
