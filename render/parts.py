"""Split a render over a job array, and finalize the set once every part is in.

A part is `I/N`: the I-th (0-based) of N contiguous, balanced slices of the S shards, [I*S//N, (I+1)*S//N)
(sizes differ by at most one). `--part auto` reads I and N
from the scheduler's environment: a Slurm job array, a Kubernetes Indexed Job, or torchrun's RANK/WORLD_SIZE.

Parts run at the same time into one directory on shared storage. Each keeps its own bookkeeping in
`.parts/part-I-of-N/` (its lock, shader checks, exclusions) and writes its finished shards' records to
`.parts/` as a whole render does; a part holds the directory's lock shared, so parts run together but
not beside a whole-set render. `finalize` then merges the exclusions of every part, checks every shard
against its record, and writes the manifest a single machine would have written, rendering nothing.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Mapping

from render.outdir import OutputDirError, load_json

PART_RE = re.compile(r"^(\d+)/(\d+)$")
PARTS_ENV = "SHADERKD_PARTS"   # the number of parts of a Kubernetes Indexed Job (its spec.completions)
BANK_INFO = "bank.json"        # what the manifest says of the bank, so finalize needs no bank


class PartError(Exception):
    """A part that cannot be worked out: a bad --part, or a scheduler environment that does not say which."""


class IncompleteSetError(OutputDirError):
    """finalize found shards missing, damaged, or rendered with a shader another part excluded."""


def parse_part(text: str) -> tuple[int, int]:
    m = PART_RE.match(text.strip())
    if not m:
        raise PartError(f"--part takes I/N (this worker is part I, 0-based, of N) or auto, not {text!r}")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 0 <= i < n:
        raise PartError(f"--part {text}: N must be at least 1 and I between 0 and N-1 (parts count from 0)")
    return i, n


def _env_int(env: Mapping[str, str], name: str) -> int | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise PartError(f"the environment variable {name}={value!r} is not an integer; --part auto reads it to "
                        f"choose this worker's part (pass --part I/N instead)") from None


def part_from_env(env: Mapping[str, str], parts: int | None = None) -> tuple[int, int, str]:
    """(I, N, where from) for `--part auto`, from a Slurm array, a Kubernetes Indexed Job or torchrun.

    `parts` (--parts) gives N where the environment does not (Kubernetes), and must agree where it does."""
    def agree(i, n, source):
        if parts is not None and parts != n:
            raise PartError(f"--parts {parts} disagrees with {source}, which says {n} parts; drop --parts or fix it")
        if not 0 <= i < n:
            raise PartError(f"{source} gives part {i} of {n}, outside 0..{n - 1}")
        return i, n, source

    task = _env_int(env, "SLURM_ARRAY_TASK_ID")
    if task is not None:
        lo, hi = _env_int(env, "SLURM_ARRAY_TASK_MIN"), _env_int(env, "SLURM_ARRAY_TASK_MAX")
        count, step = _env_int(env, "SLURM_ARRAY_TASK_COUNT"), _env_int(env, "SLURM_ARRAY_TASK_STEP") or 1
        if lo is None:
            raise PartError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_MIN is not; --part auto needs both "
                            "(Slurm sets them for a job array); pass --part I/N instead")
        if count is None and hi is None:
            raise PartError("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX; "
                            "--part auto cannot tell how many parts there are (pass --part I/N)")
        span = (hi - lo) // step + 1 if hi is not None else None
        if count is not None and span is not None and count != span:
            raise PartError(f"the Slurm array is not a plain range (indices {lo}-{hi} step {step} but "
                            f"{count} tasks): --part auto needs --array=A-B or A-B:S; pass --part I/N otherwise")
        n = count if count is not None else span
        if (task - lo) % step:
            raise PartError(f"SLURM_ARRAY_TASK_ID={task} is not on the array's step ({lo}, step {step})")
        return agree((task - lo) // step, n, f"the Slurm job array (task {task} of {lo}..{hi if hi is not None else '?'})")
    index = _env_int(env, "JOB_COMPLETION_INDEX")
    if index is not None:
        n = parts if parts is not None else _env_int(env, PARTS_ENV)
        if n is None:
            raise PartError(f"JOB_COMPLETION_INDEX={index} (a Kubernetes Indexed Job) says which part this is but not "
                            f"how many there are: pass --parts N or set {PARTS_ENV} to the Job's completions")
        if parts is not None and _env_int(env, PARTS_ENV) not in (None, parts):
            raise PartError(f"--parts {parts} disagrees with {PARTS_ENV}={env[PARTS_ENV]}")
        return agree(index, n, f"the Kubernetes Indexed Job (JOB_COMPLETION_INDEX={index})")
    rank, world = _env_int(env, "RANK"), _env_int(env, "WORLD_SIZE")
    if rank is not None or world is not None:
        if rank is None or world is None:
            raise PartError("only one of RANK and WORLD_SIZE is set; --part auto needs both (or pass --part I/N)")
        return agree(rank, world, f"RANK={rank}/WORLD_SIZE={world}")
    raise PartError("--part auto found no job array in the environment (looked for SLURM_ARRAY_TASK_ID, "
                    "JOB_COMPLETION_INDEX, RANK/WORLD_SIZE); run it as a Slurm array task or Kubernetes Indexed Job, "
                    "or pass --part I/N")


def resolve_part(spec: str, parts: int | None = None, env: Mapping[str, str] | None = None) -> tuple[int, int]:
    """--part (auto or I/N) and --parts as (I, N)."""
    if spec.strip() == "auto":
        i, n, _ = part_from_env(os.environ if env is None else env, parts)
        return i, n
    i, n = parse_part(spec)
    if parts is not None and parts != n:
        raise PartError(f"--parts {parts} disagrees with --part {spec}")
    return i, n


def part_range(n_shards: int, i: int, n: int) -> tuple[int, int]:
    """Shards [a, b) of part i of n: contiguous, sizes differing by at most one."""
    if n > n_shards:
        raise PartError(f"{n} parts but the set has only {n_shards} shards: every part needs at least one; "
                        f"run at most {n_shards} parts, or pass a smaller --shard-size")
    return i * n_shards // n, (i + 1) * n_shards // n


def part_dir(parts: Path, i: int, n: int) -> Path:
    return parts / f"part-{i}-of-{n}"


def part_dirs(parts: Path) -> list[tuple[int, int, Path]]:
    found = []
    for d in parts.glob("part-*-of-*"):
        m = re.match(r"^part-(\d+)-of-(\d+)$", d.name)
        if m and d.is_dir():
            found.append((int(m.group(1)), int(m.group(2)), d))
    return sorted(found)


def merged_exclusions(parts: Path) -> dict:
    """The union of the exclusions the whole render and every part recorded (name -> reason, detail)."""
    excluded: dict = {}
    for d in [parts] + [d for _, _, d in part_dirs(parts)]:
        for name, entry in load_json(d / "excluded.json", {}).items():
            excluded.setdefault(name, entry)
    return dict(sorted(excluded.items()))


def merged_checks(parts: Path) -> dict:
    """Shader checks any part (or the whole render) already made, so later parts skip them."""
    checked: dict = {}
    for d in [parts] + [d for _, _, d in part_dirs(parts)]:
        checked.update(load_json(d / "checked.json", {}))
    return checked


def save_bank_info(state: Path, info: dict) -> None:
    tmp = state / f"{BANK_INFO}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(info, sort_keys=True))
    os.replace(tmp, state / BANK_INFO)


def load_bank_info(parts: Path, bank_hash: str) -> dict | None:
    for d in [parts] + [d for _, _, d in part_dirs(parts)]:
        try:
            info = json.loads((d / BANK_INFO).read_text())
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("hash") == bank_hash and isinstance(info.get("licences"), dict):
            return info
    return None


def _spans(ks: list[int]) -> str:
    """[0, 1, 2, 5] -> '0-2, 5'."""
    out, start = [], None
    for j, k in enumerate(ks):
        if start is None:
            start = k
        if j + 1 == len(ks) or ks[j + 1] != k + 1:
            out.append(str(start) if start == k else f"{start}-{k}")
            start = None
    return ", ".join(out)


def describe_missing(parts: Path, missing: list[int], n_shards: int) -> str:
    """Which shards are missing and which parts (of the split(s) seen in .parts/) they belong to."""
    text = f"shard(s) {_spans(missing)} of {n_shards}"
    splits = sorted({n for _, n, _ in part_dirs(parts)})
    for n in splits:
        if n > n_shards:
            continue
        owners = sorted({i for i in range(n) for k in missing if part_range(n_shards, i, n)[0] <= k < part_range(n_shards, i, n)[1]})
        text += f"; with {n} parts that is part(s) {', '.join(f'{i}/{n}' for i in owners)}"
    return text
