"""Check a shard set (a directory or a URL) against its manifest: sizes, hashes, every sample decoded.

The checks are those of the one reader (shards/format.py) that training uses too; verify reads
every shard instead of stopping at the first bad one, and lists each problem.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
