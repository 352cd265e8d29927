"""Where a distillation step's time goes: `make bench-distill`.

For each recipe (cifar10-cpu, mnist-lenet5), with the shard images already resident on the device,
the bench runs the loop's own `train.loop.train` (the same `Trainer.step` and the same source as
`shaderkd distill`) and reports

  - images/s of the whole step (timing off), and the time per step split into phases (timing on:
    `train.loop.Phases`, which synchronises a GPU at every phase boundary): batch fetch, uint8 ->
    float, augmentation, attack, teacher forward, student forward+backward, optimiser, EMA,
    bookkeeping, and the rest of the loop (logging with its host synchronisation, events);
  - references in the same run, alternated with the step: a plain KD step (the same loop with
    augmentation and attack switched off), the student's forward+backward alone on a fixed batch,
    and, where the step runs in bf16, the same step in fp32 (run.precision=fp32);
  - the step's FLOPs (torch.utils.flop_counter) and the FLOP/s achieved;
  - a torch.profiler trace of one step, next to the JSON: distill-<recipe>-trace.json (open it in
    chrome://tracing or https://ui.perfetto.dev; the phases are named ranges).

Table and JSON: bench/results/distill-bench.{md,json}.
"""
from __future__ import annotations

import argparse
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from train.checkpoint import load_model  # noqa: E402
from train.loop import NO_PHASES, Phases, Plan, make_trainer, new_state, pick_device, set_threads, speed_choices, train  # noqa: E402
from train.losses import kd_kl  # noqa: E402
from train.methods.shader import ShaderSource  # noqa: E402
from train.methods.source import Context  # noqa: E402
from train.models import Normalized, create_model  # noqa: E402
from train.recipe import expand, load_recipe  # noqa: E402
from train.shardset import ShardSet  # noqa: E402

PHASES = (("fetch", "batch fetch (resident cache gather)"), ("to_float", "uint8 -> float"),
          ("augment", "augmentation"), ("attack", "attack"), ("teacher", "teacher forward"),
          ("student", "student forward+backward"), ("optimizer", "optimiser (+ clip, schedule)"),
          ("ema", "EMA"), ("bookkeeping", "bookkeeping (loss sum, class histogram)"),
          ("rest", "rest of the loop (logging and its host syncs, events, 1 checkpoint per stretch)"))


class BenchRun:
    """One recipe built as `train.distill` builds it, on a resident slice of a shard set."""

    def __init__(self, recipe_name: str, overrides: list[str], shards: str, max_shards: int, device: torch.device):
        recipe = load_recipe(recipe_name, overrides)
        self.recipe, self.device = recipe, device
        autocast, fmt = speed_choices(device, recipe.run.precision)
        teacher, tcard = load_model(expand(recipe.teacher), device=device)
        student = Normalized(create_model(recipe.student, len(tcard["classes"]), tcard["in_channels"]),
                             tcard["mean"], tcard["std"]).to(device)
        self.teacher = teacher.eval().requires_grad_(False).to(memory_format=fmt)
        self.student = student.to(memory_format=fmt)
        self.phases = Phases(device)
        ctx = Context(self.teacher, tcard, device, fmt, autocast, phases=self.phases)
        full = ShardSet(shards)
        n = min(max_shards, len(full.shards))
        subset = ShardSet(full.location, full.shards[:n], full.manifest, full.source, full.name)
        self.source = ShaderSource(subset, recipe, ctx)
        self.trainer = make_trainer(self.student, self.source, self.teacher, recipe.optim, device, autocast, fmt)
        self.state = new_state(self.trainer, len(tcard["classes"]))
        self.state.epoch = 1            # past the streamed first pass: batches come from the device cache
        self.tmp = Path(tempfile.mkdtemp(prefix="distill-bench-"))
        self.batch_size = recipe.data.batch_size

    def run(self, steps: int, timed: bool) -> tuple[float, float]:
        """(wall seconds, CPU seconds of this process) for `steps` more steps of the loop, timing
        phases when `timed`. CPU seconds hold steadier than wall time on a machine shared with other
        jobs (with one torch thread they are the step's own work)."""
        self.trainer.phases = self.phases if timed else NO_PHASES
        self.source.ctx.phases = self.phases if timed else None   # read when train() opens the batches
        plan = Plan(self.state.step + steps, self.recipe.run.log_every, 10 ** 9, 10 ** 9, lambda m: {}, "none",
                    True, lambda m, v: None, lambda m: None, self.tmp / "metrics.jsonl")
        # the loop evaluates (a no-op here) and checkpoints (a small student's state) at its last step:
        # left in, as part of the rest of the loop; a few ms in a stretch of steps
        t0, c0 = time.perf_counter(), time.process_time()
        train(self.trainer, self.state, plan, self.tmp / "state.pt")
        return time.perf_counter() - t0, time.process_time() - c0


def student_alone(run: BenchRun, steps: int) -> float:
    """Seconds per forward+backward of the student alone (KD loss on fixed teacher logits)."""
    x = next(run.source.batches(run.state)).x
    with torch.no_grad():
        t = run.teacher(x)
    model, opt = run.student, run.trainer.optimizer
    autocast = run.trainer.autocast

    def one():
        with torch.autocast(run.device.type, dtype=torch.bfloat16, enabled=autocast):
            loss = kd_kl(model(x), t, run.recipe.optim.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()

    for _ in range(3):
        one()
    sync(run.device)
    t0 = time.perf_counter()
    for _ in range(steps):
        one()
    sync(run.device)
    opt.zero_grad(set_to_none=True)
    return (time.perf_counter() - t0) / steps


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class _GlobalOnly:
    """Stands in for FlopCounterMode's module tracker, whose backward hooks break autograd.grad with
    respect to a leaf (the attack's input gradient): every FLOP is counted as "Global"."""
    parents = {"Global"}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def step_flops(run: BenchRun) -> int:
    from torch.utils.flop_counter import FlopCounterMode
    fc = FlopCounterMode(display=False)
    fc.mod_tracker = _GlobalOnly()
    with fc:
        run.run(1, timed=False)
    return fc.get_total_flops()


def profile_step(run: BenchRun, path: Path) -> None:
    from torch.profiler import ProfilerActivity, profile
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if run.device.type == "cuda" else [])
    with profile(activities=acts, record_shapes=True) as prof:
        run.run(1, timed=True)         # phases show as record_function ranges in the trace
    prof.export_chrome_trace(str(path))


def bench_recipe(name: str, args, device: torch.device) -> dict:
    base = [f"data.shards={args.shards}"] + args.sets
    main = BenchRun(name, base, args.shards, args.max_shards, device)
    plain = BenchRun(name, base + ["augment.enabled=false", "attack.kind=none"], args.shards, args.max_shards, device)
    # where the step runs in bf16, the same step in fp32 as a third reference: what bf16 gains here
    fp32 = BenchRun(name, base + ["run.precision=fp32"], args.shards, args.max_shards, device) \
        if main.trainer.autocast else None
    bs = main.batch_size
    for r in (main, plain, fp32):
        if r is not None:
            r.run(args.warmup, timed=False)
    whole, whole_plain, cpu, cpu_plain, timed, timed_phases, whole_fp32, cpu_fp32 = [], [], [], [], [], [], [], []
    for _ in range(args.repeats):            # alternate, so all see the same machine load
        if fp32 is not None:
            w, c = fp32.run(args.steps, timed=False)
            whole_fp32.append(w / args.steps)
            cpu_fp32.append(c / args.steps)
        w, c = main.run(args.steps, timed=False)
        whole.append(w / args.steps)
        cpu.append(c / args.steps)
        w, c = plain.run(args.steps, timed=False)
        whole_plain.append(w / args.steps)
        cpu_plain.append(c / args.steps)
        main.phases.reset()
        timed.append(main.run(args.steps, timed=True)[0] / args.steps)
        timed_phases.append({k: v / args.steps for k, v in main.phases.totals.items()})
    best = min(range(args.repeats), key=lambda i: timed[i])
    parts = dict(timed_phases[best])
    parts["rest"] = timed[best] - sum(parts.values())
    s_alone = student_alone(main, args.steps)
    flops = step_flops(main)
    flops_plain = step_flops(plain)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    trace = args.out.parent / f"distill-{name}-trace.json"
    profile_step(main, trace)
    for r in (main, plain, fp32):
        if r is not None:
            shutil.rmtree(r.tmp, ignore_errors=True)
    t_step, t_plain = min(whole), min(whole_plain)
    ref32 = {"fp32_step_s": min(whole_fp32), "fp32_img_per_s": bs / min(whole_fp32),
             "fp32_img_per_cpu_s": bs / min(cpu_fp32)} if fp32 is not None else {}
    return {"recipe": name, "batch_size": bs, "steps_per_repeat": args.steps, "repeats": args.repeats,
            "step_s": t_step, "img_per_s": bs / t_step, "step_s_all": whole,
            "timed_step_s": timed[best], "phases_s": parts,
            "plain_kd_step_s": t_plain, "plain_kd_img_per_s": bs / t_plain, "plain_kd_step_s_all": whole_plain,
            "student_fwd_bwd_s": s_alone, "student_fwd_bwd_img_per_s": bs / s_alone,
            "ratio_to_plain_kd": t_plain / t_step,
            "cpu_step_s": min(cpu), "img_per_cpu_s": bs / min(cpu), "plain_kd_cpu_step_s": min(cpu_plain),
            "plain_kd_img_per_cpu_s": bs / min(cpu_plain),
            "flops_per_step": flops, "gflop_per_s": flops / t_step / 1e9,
            "plain_kd_flops_per_step": flops_plain, "plain_kd_gflop_per_s": flops_plain / t_plain / 1e9,
            "trace": str(trace),
            **ref32, "autocast_bf16": main.trainer.autocast, "memory_format": str(main.trainer.memory_format)}


def machine() -> dict:
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "?")
        flags = next((line.split(":", 1)[1].split() for line in lscpu.splitlines() if line.startswith("Flags")), [])
    except (OSError, subprocess.SubprocessError):
        model, flags = platform.processor() or "?", []
    return {"cpu": model, "cpus": torch.get_num_threads(), "torch": torch.__version__,
            "avx512_bf16": "avx512_bf16" in flags, "amx_bf16": "amx_bf16" in flags,
            "device_name": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"}


def table(results: list[dict]) -> str:
    head = "| part | " + " | ".join(f"{r['recipe']} ms/step | %" for r in results) + " |"
    lines = [head, "|---|" + "---:|---:|" * len(results)]
    for key, label in PHASES:
        cells = []
        for r in results:
            v = r["phases_s"].get(key)
            cells += ["-", "-"] if v is None else [f"{v * 1e3:.1f}", f"{100 * v / r['timed_step_s']:.0f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    rows = [("whole step, timing on (ms)", lambda r: f"{r['timed_step_s'] * 1e3:.1f}"),
            ("whole step, timing off (ms)", lambda r: f"{r['step_s'] * 1e3:.1f}"),
            ("**images/s, whole step**", lambda r: f"**{r['img_per_s']:.0f}**"),
            ("images per CPU-second, whole step (plain KD)",
             lambda r: f"{r['img_per_cpu_s']:.0f} ({r['plain_kd_img_per_cpu_s']:.0f})"),
            ("same step in fp32: images/s (per CPU-second)",
             lambda r: f"{r['fp32_img_per_s']:.0f} ({r['fp32_img_per_cpu_s']:.0f})" if "fp32_step_s" in r else "-"),
            ("plain KD step images/s (no aug, no attack)", lambda r: f"{r['plain_kd_img_per_s']:.0f}"),
            ("whole step / plain KD step (speed ratio)", lambda r: f"{r['ratio_to_plain_kd']:.2f}"),
            ("student fwd+bwd alone images/s", lambda r: f"{r['student_fwd_bwd_img_per_s']:.0f}"),
            ("GFLOP per step (plain KD)", lambda r: f"{r['flops_per_step'] / 1e9:.2f} ({r['plain_kd_flops_per_step'] / 1e9:.2f})"),
            ("achieved GFLOP/s (plain KD)", lambda r: f"{r['gflop_per_s']:.1f} ({r['plain_kd_gflop_per_s']:.1f})"),
            ("bf16 autocast / memory format", lambda r: f"{r['autocast_bf16']} / {r['memory_format'].replace('torch.', '')}")]
    for label, f in rows:
        lines.append(f"| {label} | " + " | ".join(f"{f(r)} | " for r in results) + "|")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--recipes", nargs="+", default=["cifar10-cpu", "mnist-lenet5"])
    ap.add_argument("--shards", default=str(REPO / "shards/default"), help="a rendered shard set (make shards)")
    ap.add_argument("--max-shards", type=int, default=5, help="shards of the set made resident (the last is held out)")
    ap.add_argument("--steps", type=int, default=30, help="steps per timed stretch")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: the loop's default)")
    ap.add_argument("--set", dest="sets", action="append", default=[], help="recipe override for every recipe")
    ap.add_argument("--out", type=Path, default=REPO / "bench/results/distill-bench.json")
    args = ap.parse_args()
    if not (Path(args.shards) / "manifest.json").is_file() and "://" not in args.shards:
        raise SystemExit(f"no shard set at {args.shards}: render one first (make shards), or name one with --shards")
    device = pick_device(args.device)
    set_threads(args.threads, device)
    results = []
    for name in args.recipes:
        print(f"{name}: ...", file=sys.stderr, flush=True)
        results.append(bench_recipe(name, args, device))
        r = results[-1]
        print(f"{name}: {r['img_per_s']:.0f} img/s, plain KD {r['plain_kd_img_per_s']:.0f}, "
              f"student alone {r['student_fwd_bwd_img_per_s']:.0f}", file=sys.stderr, flush=True)
    report = {"machine": machine(), "shards": args.shards, "max_shards": args.max_shards, "sets": args.sets,
              "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    md = table(results)
    args.out.with_suffix(".md").write_text(md + "\n")
    print(md)


if __name__ == "__main__":
    main()
