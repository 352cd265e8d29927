"""Check a shard set (a directory or a URL) against its manifest: sizes, hashes, every sample decoded.

The checks are those of the one reader (shards/format.py) that training uses too; verify reads
every shard instead of stopping at the first bad one, and lists each problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from shards import format as fmt
from shards.cache import open_set


@dataclass
class VerifyReport:
    directory: str
    shards_checked: int = 0
    samples_checked: int = 0
    problems: list[str] = field(default_factory=list)   # one line per bad shard or sample

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_set(location, on_shard=lambda name: None) -> VerifyReport:
    report = VerifyReport(str(location))
    try:
        manifest, source, _ = open_set(str(location))
    except fmt.ShardFormatError as exc:
        report.problems.append(str(exc))
        return report
    if not manifest["complete"]:
        report.problems.append(f"{location}: manifest says the set is incomplete (a split or interrupted "
                               f"render); run the same `shaderkd render` command to finish it")
    size = manifest["config"].get("size")
    reader = fmt.ShardReader(manifest, source)
    for entry in manifest["shards"]:
        name, where = entry["name"], source.where(entry["name"])
        report.shards_checked += 1
        on_shard(name)
        try:
            for sample in reader.samples(entry):
                report.samples_checked += 1
                try:
                    fmt.decode_image(sample.png, f"{name}: sample {fmt.key_of(sample.index)}", size)
                except fmt.ShardFormatError as exc:
                    report.problems.append(str(exc))
        except fmt.ShardFormatError as exc:
            text = str(exc)
            report.problems.append(name + text[len(where):] if text.startswith(where) else f"{name}: {text}")
    return report


# ---------------------------------------------------------------------------------------------------
# Re-rendering: proof that the shards are what the manifest says they are.

@dataclass
class Rerendered:
    shard: str
    identical: bool
    images: int = 0
    differing: int = 0            # images whose pixels differ
    max_abs: int = 0              # largest per-pixel difference (0..255)
    mean_abs: float = 0.0         # mean per-pixel difference over the differing images


@dataclass
class RerenderReport:
    same_renderer: bool
    renderer_here: dict
    renderer_there: dict
    shards: list[Rerendered] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Bytes must match on the renderer that made the set; elsewhere differences are reported."""
        return all(r.identical for r in self.shards) or not self.same_renderer


def _extract_bank(data: bytes, into: Path) -> Path:
    """Unpack bank-sources.tar safely (regular files under bank/ only) and return the bank's path."""
    import io
    import tarfile

    root = into / "bank"
    files = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for info in tar:
            parts = Path(info.name).parts
            if not info.isfile() or len(parts) < 2 or parts[0] != "bank" or any(p in ("..", "") for p in parts) \
                    or Path(info.name).is_absolute():
                raise fmt.ShardFormatError(f"bank-sources.tar: member {info.name!r} is not a plain file under bank/; "
                                           f"the packed sources are not usable")
            dest = into.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(tar.extractfile(info).read())
            files.append(dest)
    single = [f for f in files if f.suffix in (".json", ".jsonl")]
    return single[0] if len(files) == 1 and single else root


def rerender_check(location, k: int, bank: str | None = None, seed: int | None = None, workers: int = 1,
                   on_event=lambda kind, **info: None) -> RerenderReport:
    """Re-render k randomly chosen shards of a set from its bank and config; compare with the shards.

    The bank is the set's packed `bank-sources.tar` (a published set) unless `bank` names one; its
    hash must be the manifest's. Shaders excluded by the original render stay excluded, so the
    re-render draws exactly the same samples.
    """
    import json
    import random
    import tempfile

    import numpy as np

    from render.bank import load_bank
    from render.run import RenderConfig, render_set

    manifest, source, _ = open_set(str(location))
    if manifest["kind"] != "render":
        raise fmt.ShardFormatError(f"{location}: a {manifest['kind']} set is not rendered directly; re-render the "
                                   f"set it was made from")
    reader = fmt.ShardReader(manifest, source)
    with tempfile.TemporaryDirectory(prefix="shaderkd-rerender-") as tmp:
        tmp = Path(tmp)
        if bank is None:
            packed = {f["name"]: f for f in manifest.get("files", [])}.get("bank-sources.tar")
            if packed is None:
                raise fmt.ShardFormatError(f"{location}: no bank-sources.tar in the manifest (an unpublished set); "
                                           f"give the bank that rendered it with --bank")
            with source.open(packed) as f:
                bank = str(_extract_bank(fmt.read_verified(f, packed, source.where(packed["name"])), tmp))
        have = load_bank(bank).hash
        if have != manifest["bank"]["hash"]:
            raise fmt.ShardFormatError(f"{bank}: bank hash {have}, but the set was rendered from {manifest['bank']['hash']}; "
                                       f"give the bank that rendered it")
        c = manifest["config"]
        out = tmp / "out"
        (out / fmt.PARTS_DIR).mkdir(parents=True)
        excluded = {e["shader"]: {"reason": e["reason"], "detail": e.get("detail")} for e in manifest["bank"]["excluded"]}
        (out / fmt.PARTS_DIR / "excluded.json").write_text(json.dumps(excluded))
        usable = [s.name for s in load_bank(bank).shaders if s.usable and s.name not in excluded]
        (out / fmt.PARTS_DIR / "checked.json").write_text(json.dumps({n: {"status": "ok", "detail": "", "ms": 0}
                                                                      for n in usable}))
        chosen = sorted(random.Random(seed).sample(range(len(manifest["shards"])), min(k, len(manifest["shards"]))))
        report = RerenderReport(False, {}, manifest["renderer"])
        for i in chosen:
            entry = manifest["shards"][i]
            number = int(entry["name"][6:-4])
            on_event("shard", name=entry["name"])
            cfg = RenderConfig(bank=bank, out=str(out), count=c["count"], size=c["size"], supersample=c["supersample"],
                               seed=c["seed"], shard_size=c["shard_size"], max_frame_ms=c.get("max_frame_ms", 500.0),
                               max_attempts=c.get("max_attempts", 64), shards=(number, number + 1), workers=workers)
            mine = {s["name"]: s for s in render_set(cfg)["shards"]}[entry["name"]]
            report.renderer_here = json.loads((out / fmt.MANIFEST).read_text())["renderer"]
            if mine["sha256"] == entry["sha256"]:
                report.shards.append(Rerendered(entry["name"], True, entry["count"]))
                continue
            result = Rerendered(entry["name"], False)
            theirs = list(reader.samples(entry))
            ours = list(fmt.ShardReader({"shards": [mine]}, fmt.LocalShards(out)).samples(mine))
            diffs = []
            for a, b in zip(theirs, ours):
                x = fmt.decode_image(a.png, entry["name"], c["size"]).astype(np.int16)
                y = fmt.decode_image(b.png, entry["name"], c["size"]).astype(np.int16)
                d = np.abs(x - y) if x.shape == y.shape else np.full(x.shape, 255, np.int16)
                result.images += 1
                if d.any() or a.record != b.record:
                    result.differing += 1
                    diffs.append(float(d.mean()))
                    result.max_abs = max(result.max_abs, int(d.max()))
            result.mean_abs = float(np.mean(diffs)) if diffs else 0.0
            report.shards.append(result)
        keys = ("GL_RENDERER", "GL_VERSION")
        report.same_renderer = all(report.renderer_here.get(x) == report.renderer_there.get(x) for x in keys)
    return report
