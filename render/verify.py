"""Check a shard set against its manifest: hashes, sizes, every PNG and record decoded."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from render.frames import decode_png
from shards import format as fmt


@dataclass
class VerifyReport:
    directory: str
    shards_checked: int = 0
    samples_checked: int = 0
    problems: list[str] = field(default_factory=list)   # one line per bad shard or sample

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_set(directory: str | Path, on_shard=lambda name: None) -> VerifyReport:
    directory = Path(directory)
    report = VerifyReport(str(directory))
    try:
        manifest = fmt.read_manifest(directory)
    except fmt.ShardFormatError as exc:
        report.problems.append(str(exc))
        return report
    if not manifest["complete"]:
        report.problems.append(f"{directory}: manifest says the set is incomplete (a split or interrupted "
                               f"render); run the same `shaderkd render` command to finish it")
    size = manifest["config"].get("size")
    for entry in manifest["shards"]:
        path = directory / entry["name"]
        report.shards_checked += 1
        on_shard(entry["name"])
        if not path.is_file():
            report.problems.append(f"{entry['name']}: missing")
            continue
        if path.stat().st_size != entry["bytes"]:
            report.problems.append(f"{entry['name']}: {path.stat().st_size} bytes, manifest says {entry['bytes']}")
        if fmt.sha256_file(path) != entry["sha256"]:
            report.problems.append(f"{entry['name']}: sha256 differs from the manifest")
        expected = entry["first_index"]
        try:
            for sample in fmt.iter_shard(path):
                key = fmt.key_of(sample.index)
                if sample.index != expected:
                    report.problems.append(f"{entry['name']}: sample {key}: expected index {expected}")
                expected = sample.index + 1
                report.samples_checked += 1
                try:
                    img = decode_png(sample.png)
                except Exception as exc:  # Pillow raises many types for bad data
                    report.problems.append(f"{entry['name']}: sample {key}: PNG does not decode ({exc})")
                    continue
                if size is not None and img.shape[:2] != (size, size):
                    report.problems.append(f"{entry['name']}: sample {key}: image is {img.shape[1]}x{img.shape[0]}, "
                                           f"manifest says {size}x{size}")
        except fmt.ShardFormatError as exc:
            report.problems.append(f"{entry['name']}: {exc}")
            continue
        if expected - entry["first_index"] != entry["count"]:
            report.problems.append(f"{entry['name']}: holds {expected - entry['first_index']} samples, "
                                   f"manifest says {entry['count']}")
    return report
