"""What sharing costs: pulling a set over loopback HTTP vs copying it, and hash checks while training reads.

    make bench-pull                      # shards/default
    python bench/pull_bench.py --shards shards/default --repeats 3 --read-shards 10

1. copy     `shutil.copytree` of the set (what a plain `cp -r` does; nothing checked)
   copy+sha copy, then sha256 of every shard (what a careful `cp` + `sha256sum -c` does)
   pull     `shaderkd pull http://127.0.0.1:PORT/SET DIR` from `python -m http.server` in another
            process: fetch, size and sha256 checked while streaming, rename into place
2. read     one pass over the first --read-shards shards, PNG decoded to uint8 arrays and batched
            by 256, as training reads them: the pipeline before this change (webdataset's own tar
            reader, no hash check) vs ShardSet.pipeline (the one shard reader of shards/format.py:
            size + sha256 checked before any sample)

Each measurement alternates old and new, --repeats times; the table gives the median.
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shards.format import decode_image, read_manifest, sha256_file  # noqa: E402
from shards.pull import pull  # noqa: E402
from shards.remote import Fetcher  # noqa: E402
from shaderkd.machine import cpu_model  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(directory: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(directory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the loopback server did not start")


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def read_old(paths: list[Path], size: int) -> int:
    """The training pipeline as it was: webdataset's tar reader, the same decode and batching."""
    import webdataset as wds

    from train.shardset import collate

    def decode(s):
        return int(s["__key__"]), decode_image(s["png"], s["__key__"], size)
    pipe = wds.DataPipeline(wds.SimpleShardList([str(p) for p in paths]), wds.tarfile_to_samples(), wds.map(decode),
                            wds.batched(256, collation_fn=collate, partial=True))
    return sum(len(i) for i, _ in pipe)


def read_new(src: Path, k: int) -> int:
    from train.shardset import ShardSet
    s = ShardSet(src)
    s = ShardSet(src, s.shards[:k], s.manifest, s.source, s.name)
    return sum(len(i) for i, _ in s.pipeline(0, 0, shuffle_buffer=0, batch=256))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shards", default=str(ROOT / "shards" / "default"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--read-shards", type=int, default=10)
    ap.add_argument("--json", default=None, help="Also write the figures to this file.")
    args = ap.parse_args()
    src = Path(args.shards).resolve()
    m = read_manifest(src)
    total = sum(s["bytes"] for s in m["shards"])
    size = m["config"].get("size")
    times = {k: [] for k in ("copy", "copy+sha", "pull", "read_old", "read_new", "sha_read")}
    proc, base = serve(src.parent)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            for r in range(args.repeats):
                d = tmp / f"copy{r}"
                times["copy"].append(timed(lambda: shutil.copytree(src, d, ignore=shutil.ignore_patterns(".parts"))))
                shutil.rmtree(d)

                def copy_sha():
                    shutil.copytree(src, d, ignore=shutil.ignore_patterns(".parts"))
                    for s in m["shards"]:
                        assert sha256_file(d / s["name"]) == s["sha256"]
                times["copy+sha"].append(timed(copy_sha))
                shutil.rmtree(d)
                times["pull"].append(timed(lambda: pull(f"{base}/{src.name}", tmp / f"pull{r}", fetcher=Fetcher(timeout=10))))
                shutil.rmtree(tmp / f"pull{r}")
            paths = [src / s["name"] for s in m["shards"][: args.read_shards]]
            images = sum(s["count"] for s in m["shards"][: args.read_shards])
            for r in range(args.repeats):
                times["read_old"].append(timed(lambda: read_old(paths, size)))
                times["read_new"].append(timed(lambda: read_new(src, args.read_shards)))
                times["sha_read"].append(timed(lambda: [sha256_file(p) for p in paths]))
    finally:
        proc.kill()
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu = cpu_model()
    result = {"set": str(src), "shards": len(m["shards"]), "bytes": total, "read_images": images, "cpu": cpu,
              "seconds": times, "median_s": med,
              "read_img_per_s": {"webdataset, no hash": images / med["read_old"], "shard reader, sha256": images / med["read_new"]}}
    print(f"{src.name}: {len(m['shards'])} shards, {total / 2**20:.1f} MiB; {cpu}; median of {args.repeats}")
    print("| what | seconds | MiB/s |\n| --- | --- | --- |")
    for k in ("copy", "copy+sha", "pull"):
        print(f"| {k} | {med[k]:.2f} | {total / 2**20 / med[k]:.0f} |")
    print(f"\n| read {images} images (decode included) | seconds | img/s |\n| --- | --- | --- |")
    print(f"| webdataset tar reader, no hash check | {med['read_old']:.2f} | {images / med['read_old']:.0f} |")
    print(f"| shard reader, size + sha256 checked | {med['read_new']:.2f} | {images / med['read_new']:.0f} |")
    print(f"\nof which sha256 of those {len(paths)} shards alone: {med['sha_read']:.2f} s "
          f"({100 * med['sha_read'] / med['read_new']:.1f}% of the read)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
