"""What `bench/gpu_check.py` reads off its runs and how it reports them: render and training rates,
GPU memory and busy share sampled through NVML, peak bf16 rates by GPU name, and the report files
(gpu-check.json, gpu-check.md: one table, one row per command, with the exact command)."""
from __future__ import annotations

import json
import re
import statistics
import threading
import time
from pathlib import Path

STAGES = ("env", "render", "teacher", "distil", "dfad")
RENDER_GOAL = 100_000   # images/s at 32 px on one H100/H200 machine (issue 12)

# Dense bf16 tensor-core peaks (no sparsity) from NVIDIA's datasheets, TFLOP/s; first match wins.
PEAKS = [
    (r"H200 NVL", 835.5), (r"H200", 989.5), (r"GH200", 989.5), (r"H100 PCIe", 756.0), (r"H100 NVL", 835.5),
    (r"H100|H800", 989.5), (r"B200", 2250.0), (r"A100|A800", 312.0), (r"L40S", 362.0), (r"\bL40\b", 181.0),
    (r"\bL4\b", 121.0), (r"A10G", 70.0), (r"\bA10\b", 125.0), (r"A6000", 154.8),
]


def peak_tflops(gpu_name: str | None) -> tuple[float | None, str]:
    if not gpu_name:
        return None, "no GPU"
    for pattern, peak in PEAKS:
        if re.search(pattern, gpu_name):
            return peak, f"datasheet dense bf16 for /{pattern}/"
    return None, f"no datasheet peak on file for {gpu_name!r} (bench/gpu_report.py PEAKS)"


# ------------------------------------------------------------------------------ rates

def render_rate(out: Path, wall_s: float) -> dict:
    """Images, shards and images/s of a render directory: over the whole command, and over the
    shard phase (first shard started to last shard written, from the shards' own records)."""
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        return {"images": 0, "note": "no manifest"}
    manifest = json.loads(manifest_path.read_text())
    parts = []
    for s in manifest["shards"]:
        p = out / ".parts" / (s["name"] + ".json")
        if p.is_file():
            parts.append((p.stat().st_mtime, json.loads(p.read_text())["seconds"]))
    res = {"images": manifest["num_samples"], "shards": len(manifest["shards"]), "complete": manifest["complete"],
           "command_s": wall_s, "images_per_s": manifest["num_samples"] / wall_s if wall_s else None,
           "renderer": manifest.get("renderer", {}).get("GL_RENDERER"),
           "excluded_shaders": len(manifest["bank"]["excluded"]),
           "bytes": sum(s["bytes"] for s in manifest["shards"])}
    if parts:
        start = min(m - s for m, s in parts)
        phase = max(m for m, _ in parts) - start
        res["shard_phase_s"] = round(phase, 2)
        res["shard_phase_images_per_s"] = manifest["num_samples"] / phase if phase > 0 else None
        best = res["shard_phase_images_per_s"] or res["images_per_s"]
        res["share_of_goal"] = best / RENDER_GOAL if best else None
    return res


def train_rate(metrics: Path) -> dict:
    """Steps/s and images/s of a distillation run from its metrics.jsonl "train" records, leaving out
    the first interval (start-up, cuDNN autotuning, the first decode of the shards)."""
    if not metrics.is_file():
        return {}
    events = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
    train = [e for e in events if e.get("event") == "train"]
    if not train:
        return {}
    res = {"last_step": train[-1]["step"], "elapsed_s": train[-1].get("elapsed_s")}
    steady = train[1:] or train
    res["images_per_s"] = statistics.median(e["img_per_s"] for e in steady)
    for key in ("data_wait_share", "max_memory_gib"):   # recorded by the loop where it measures them
        values = [e[key] for e in steady if isinstance(e.get(key), (int, float))]
        if values:
            res[key] = statistics.median(values) if key == "data_wait_share" else max(values)
    if len(train) >= 2 and train[-1]["elapsed_s"] > train[0]["elapsed_s"]:
        res["steps_per_s"] = (train[-1]["step"] - train[0]["step"]) / (train[-1]["elapsed_s"] - train[0]["elapsed_s"])
    else:
        res["steps_per_s"] = train[0]["step"] / train[0]["elapsed_s"] if train[0].get("elapsed_s") else None
    return res


class GpuSampler:
    """Device-wide memory in use and the share of time a kernel ran (NVML utilization), sampled every
    0.25 s while a command runs. Device-wide: the CUDA context and the allocator's cache count."""

    def __init__(self, period: float = 0.25):
        self.period, self.mem, self.busy, self.why = period, [], [], None
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        try:
            import pynvml
            pynvml.nvmlInit()
            if pynvml.nvmlDeviceGetCount() < 1:
                raise RuntimeError("NVML sees no GPU")
            self._nvml, self._handle = pynvml, pynvml.nvmlDeviceGetHandleByIndex(0)
        except ImportError:
            self.why = "not measured: pynvml (nvidia-ml-py) is not installed"
        except Exception as exc:
            self.why = f"not measured: no NVIDIA GPU through NVML ({type(exc).__name__}: {exc})"
        if self.why is None:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def _loop(self):
        while not self._stop.is_set():
            try:
                self.mem.append(self._nvml.nvmlDeviceGetMemoryInfo(self._handle).used)
                self.busy.append(self._nvml.nvmlDeviceGetUtilizationRates(self._handle).gpu)
            except Exception as exc:  # noqa: BLE001  (a sampling failure ends sampling, not the run)
                self.why = f"sampling stopped: {exc}"
                return
            self._stop.wait(self.period)

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def summary(self) -> dict:
        if not self.mem:
            return {"note": self.why or "not measured: no samples"}
        busy = self.busy[len(self.busy) // 5:] or self.busy   # leave out the start-up fifth
        return {"peak_memory_gib": round(max(self.mem) / 2 ** 30, 2), "busy_median_pct": statistics.median(busy),
                "busy_mean_pct": round(statistics.fmean(busy), 1), "samples": len(self.mem),
                **({"note": self.why} if self.why else {})}


# ------------------------------------------------------------------------------ report

def _pct(x) -> str:
    return f"{100 * x:.2f}%" if isinstance(x, (int, float)) else "n/a"


def _num(x, fmt="{:,.0f}") -> str:
    return fmt.format(x) if isinstance(x, (int, float)) else "n/a"


def _share(tflops, env: dict) -> str:
    if not isinstance(tflops, (int, float)):
        return ""
    parts = []
    peak = env.get("peak_bf16_tflops")
    if peak:
        parts.append(f"{100 * tflops / peak:.1f}% of the {peak:g} TFLOP/s bf16 peak")
    ceiling = (env.get("torch") or {}).get("matmul_bf16_tflops")
    if ceiling:
        parts.append(f"{100 * tflops / ceiling:.1f}% of the measured matmul {ceiling:g}")
    return f" ({'; '.join(parts)})" if parts else " (no peak for this device)"


def figures(stage: str, label: str, res: dict, env: dict) -> str:
    """The figures a command produced, in a few words."""
    if stage == "env" and label == "torch":
        t = res.get("torch", {})
        smi = res.get("nvidia_smi") or {}
        return (f"{t.get('gpu', 'no CUDA GPU')}, driver {smi.get('driver', 'n/a')}, CUDA {t.get('torch_cuda')} (torch's build), "
                f"torch {t.get('torch')}, torchvision {t.get('torchvision')}, Python {t.get('python')}; "
                f"{res.get('cpu_cores')} CPU cores ({res.get('cpu_model')}); bf16 matmul "
                f"{_num(t.get('matmul_bf16_tflops'), '{:g}')} TFLOP/s; peak on file "
                f"{_num(res.get('peak_bf16_tflops'), '{:g}')} ({res.get('peak_source')})")
    if stage == "env" and label == "egl":
        e = res.get("egl", {})
        flag = " **SOFTWARE RASTERISER, NOT THE GPU**" if e.get("software") else ""
        return f"GL_RENDERER {e.get('GL_RENDERER')}, {e.get('GL_VERSION')}, vendor {e.get('GL_VENDOR')}{flag}"
    if stage == "render":
        m = re.match(r"(render|verify|profile)(\d+)", label)
        r = res.get(f"{m.group(2)}px", {}) if m else {}
        if label.startswith("render") and "manifest" not in label:
            if not r.get("images"):
                return "no shard written within the box"
            return (f"{_num(r.get('images'))} images in {r.get('shards')} shards; {_num(r.get('images_per_s'))} img/s "
                    f"over the command, {_num(r.get('shard_phase_images_per_s'))} img/s over the shard phase "
                    f"({_pct(r.get('share_of_goal'))} of {RENDER_GOAL:,} img/s); {r.get('excluded_shaders')} shaders "
                    f"excluded; on {r.get('renderer')}")
        if label.startswith("verify"):
            v = r.get("verified") or {}
            problems = v.get("problems") or []
            return (f"verify: {'OK' if v.get('ok') else f'{len(problems)} problem(s)'}, {_num(v.get('samples'))} "
                    f"samples in {v.get('shards')} shards" + (f"; {problems[0][-160:]}" if problems else ""))
        if label.startswith("profile"):
            p = r.get("profile") or {}
            if "per_image_us" not in p:
                return p.get("error", "")
            us = ", ".join(f"{k} {v:g}" for k, v in p["per_image_us"].items())
            return (f"one worker, µs per image: {us}; limit: **{p['limit']}** ({_pct(p['share'][p['limit']])}); "
                    f"{_num(p['one_worker_images_per_s'])} img/s per worker, x {p.get('workers')} workers = "
                    f"{_num(p.get('all_workers_images_per_s'))} img/s if nothing shared limits")
    if stage == "teacher" and label == "calibrate":
        c = res.get("calibration", {})
        return (f"{_num(c.get('step_s'), '{:.4f}')} s/step at batch {c.get('batch')}; epoch ~{res.get('estimated_epoch_s')} s "
                f"-> {res.get('epochs')} epochs for {res.get('train_s_target')} s")
    if stage == "teacher" and label == "train":
        return (f"val top-1 {_pct(res.get('val_top1'))} (best epoch {res.get('best_epoch')} of {res.get('epochs_run')}), "
                f"{res.get('train_seconds')} s training, {_num(res.get('images_per_s'))} img/s (the per-epoch val pass included), "
                f"{_num(res.get('tflops'), '{:.1f}')} TFLOP/s{_share(res.get('tflops'), env)}, {res.get('precision')}; "
                f"{res.get('note') or ''}")
    if stage in ("distil", "dfad"):
        if label == "flops":
            f = res.get("flops", {})
            if "parts" not in f:
                return f.get("error", "")
            parts = ", ".join(f"{k} {v / 1e9:,.1f}" for k, v in f["parts"].items())
            return f"GFLOP per step at batch {f['batch']}: {parts}; total {f['flops_per_step'] / 1e9:,.1f}" + (
                f"; {'; '.join(f['notes'])}" if f.get("notes") else "")
        if label == "probe":
            p = res.get("probe", {})
            return (f"{_num(p.get('steps_per_s'), '{:.2f}')} steps/s, start-up and finish {p.get('overhead_s')} s "
                    f"-> {res.get('plan', {}).get('steps')} steps for {res.get('plan', {}).get('train_s_target')} s")
        if label == "train":
            rate, rep, gpu = res.get("rate", {}), res.get("report", {}), res.get("gpu", {})
            f = res.get("flops", {})
            tflops = res.get("tflops")
            val = rep.get("val") or {}
            acc = (f"val top-1 student {_pct(val.get('student_top1'))}, teacher {_pct(val.get('teacher_top1'))}"
                   if val else "val top-1 not measured")
            mem = (f"peak GPU memory {gpu['peak_memory_gib']} GiB, GPU busy {gpu['busy_median_pct']}% (median)"
                   if "peak_memory_gib" in gpu else f"GPU memory/busy {gpu.get('note', 'n/a')}")
            return (f"{rate.get('last_step')} steps, {_num(rate.get('images_per_s'))} img/s (steady), "
                    f"{_num(tflops, '{:.1f}')} TFLOP/s{_share(tflops, env)}; {mem}; {acc}; "
                    f"wall {_num(rep.get('wall_s'), '{:.0f}')} s; data wait: see notes"
                    f"{' ' + res['note'] if res.get('note') else ''}")
    return ""


def write_report(data: dict, out: Path) -> Path:
    """OUT/gpu-check.json (everything) and OUT/gpu-check.md (one table). Returns the .md path."""
    env = (data["stages"].get("env") or {}).get("results") or {}
    lines = [f"# gpu-check: {data['mode']}", "",
             f"Started {data['started']}; {data.get('wall_s', 0):.0f} s of the {data['minutes'] * 60:.0f} s budget; "
             f"output in `{data['out']}`.", ""]
    if env.get("warning"):
        lines += [f"**{env['warning']}**", ""]
    lines += ["| stage | step | status | wall / box (s) | figures | command |", "|---|---|---|---|---|---|"]
    notes = []
    for stage in STAGES:
        rec = data["stages"].get(stage)
        if rec is None:
            continue
        res = rec.get("results") or {}
        if not rec["commands"]:
            lines.append(f"| {stage} | | {rec['status']} | {rec['wall_s']} / {rec['box_s']} | {rec.get('error', '')} | |")
        for c in rec["commands"]:
            status = "ok" if c["ok"] else ("timed out" if c["timed_out"] else f"exit {c['rc']}")
            status += " (earlier run)" if rec.get("reused") else ""
            try:
                fig = figures(stage, c["label"], res, env) if res else ""
            except (KeyError, TypeError, ValueError) as exc:   # a figure must not cost the report
                fig = f"(figures unavailable: {type(exc).__name__}: {exc})"
            lines.append(f"| {stage} | {c['label']} | {status} | {c['wall_s']} / {c['box_s']} | "
                         f"{fig.replace('|', '/')} | `{c['display'].replace('|', '/')}` |")
        if rec["status"] != "ok":
            notes.append(f"- **{stage}: {rec['status']}**" + (f": {rec['error']}" if rec.get("error") else "")
                         + "; logs: " + ", ".join(f"`{Path(c['log']).name}`" for c in rec["commands"] if not c["ok"]))
    for stage in ("distil", "dfad"):
        res = (data["stages"].get(stage) or {}).get("results") or {}
        if res.get("data_wait_share"):
            wait = res["data_wait_share"]
            notes.append(f"- {stage}: share of step time waiting for data: "
                         f"{_pct(wait) if isinstance(wait, (int, float)) else wait}")
    lines += [""] + (["Notes:", ""] + notes + [""] if notes else [])
    (out / "gpu-check.json").write_text(json.dumps(data, indent=1, default=str) + "\n")
    md = out / "gpu-check.md"
    md.write_text("\n".join(lines))
    return md
