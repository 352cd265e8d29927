"""The Makefile's data choice for `make distill` (dry runs: nothing is rendered or trained)."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dry(*assignments: str) -> str:
    """What `make distill` with the assignments would run (sets already made are not made again)."""
    return subprocess.run(["make", "-n", "--no-print-directory", "distill", "UV=uv", *assignments], cwd=REPO,
                          capture_output=True, text=True, check=True).stdout


def trains_on(out: str) -> str:
    return re.search(r"--set data.shards=(\S+)", out).group(1)


def test_default_distill_curates_a_pool_by_the_recipes_teacher():
    out = dry()
    assert re.search(r"shaderkd curate --recipe cifar10-cpu --shards shards/pool --out shards/curated-cifar10-cpu "
                     r"--per-class 5000", out) or (REPO / "shards/curated-cifar10-cpu/manifest.json").is_file()
    assert trains_on(out) == str(REPO / "shards/curated-cifar10-cpu")
    assert trains_on(dry("RECIPE=mnist-lenet5")) == str(REPO / "shards/curated-mnist-lenet5")


def test_curate_0_and_other_sets_train_on_the_set_as_given():
    assert trains_on(dry("CURATE=0")) == str(REPO / "shards/default")
    lab = dry("OUT=shards/labA")   # a pulled set: trained on as it is
    assert trains_on(lab) == str(REPO / "shards/labA") and "shaderkd curate" not in lab
    cur = dry("OUT=shards/labA", "CURATE=1")   # curated itself, no pool rendered
    assert "--shards shards/labA --out shards/labA-curated-cifar10-cpu" in cur and "--out shards/pool" not in cur
    assert trains_on(cur) == str(REPO / "shards/labA-curated-cifar10-cpu")
    assert trains_on(dry("OUT=https://example.org/sets/default")) == "https://example.org/sets/default"
