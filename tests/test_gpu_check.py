"""The GPU run (scripts/gpu-check.sh, bench/gpu_check.py): time boxes, the figures read off runs, the
report when a stage fails, and the whole run in --smoke mode on this CPU."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import gpu_check  # noqa: E402
import gpu_report  # noqa: E402


def _check(tmp_path, **kw):
    args = gpu_check.argparse.Namespace(out=str(tmp_path / "out"), smoke=True, minutes=kw.get("minutes", 1.0),
                                        data=None, python=None, stages=",".join(gpu_report.STAGES))
    return gpu_check.Check(args)


def test_peak_table_matches_the_specific_name_first():
    assert gpu_report.peak_tflops("NVIDIA H100 PCIe")[0] == 756.0
    assert gpu_report.peak_tflops("NVIDIA H100 80GB HBM3")[0] == 989.5
    assert gpu_report.peak_tflops("NVIDIA H200")[0] == 989.5
    assert gpu_report.peak_tflops("NVIDIA L4")[0] == 121.0
    assert gpu_report.peak_tflops("NVIDIA L40S")[0] == 362.0
    assert gpu_report.peak_tflops("NVIDIA A100-SXM4-80GB")[0] == 312.0
    assert gpu_report.peak_tflops("NVIDIA A10")[0] == 125.0
    peak, why = gpu_report.peak_tflops("Some Future GPU")
    assert peak is None and "no datasheet peak" in why


def test_a_command_past_its_box_is_killed_with_its_children(tmp_path):
    check = _check(tmp_path)
    check.stage_name, check.stage_deadline, check.commands = "t", time.monotonic() + 60, []
    pid_file = tmp_path / "child.pid"
    # a shell that starts a child which would outlive a plain kill of the shell
    script = f"sleep 30 & echo $! > {pid_file}; wait"
    t0 = time.monotonic()
    cmd, _ = check.run("sleeper", ["bash", "-c", script], box=1.5)
    assert cmd.timed_out and not cmd.ok and time.monotonic() - t0 < 15
    child = int(pid_file.read_text())
    assert _gone(child), "the child of the timed-out command is still running"
    assert check.commands[0]["timed_out"] and "killed after" in Path(cmd.log).read_text()


def _gone(pid: int, wait: float = 10.0) -> bool:
    """True once pid has exited (a zombie waiting to be reaped by init counts as exited)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_boxes_share_what_is_left_in_proportion(tmp_path):
    check = _check(tmp_path, minutes=1.0)
    check.plan.boxes = {"env": 10, "render": 10, "teacher": 20, "distil": 30, "dfad": 30}
    boxes = {}

    def record(name):
        def fn():
            boxes[name] = check.stage_deadline - time.monotonic()
            return {}
        return fn

    for name in gpu_report.STAGES:
        check.stage(name, record(name))
    assert boxes["env"] == pytest.approx(6, abs=0.5)        # 10 of 100 nominal seconds, of 60 s
    assert boxes["teacher"] == pytest.approx(15, abs=0.5)   # 20 of the 80 nominal seconds left, of 60 s
    assert boxes["dfad"] == pytest.approx(60, abs=0.5)      # time the stages did not use goes to the last
    assert all(check.data["stages"][s]["status"] == "ok" for s in gpu_report.STAGES)


def test_a_failed_stage_is_reported_and_the_run_goes_on(tmp_path):
    check = _check(tmp_path)
    check.plan.boxes = {"env": 1, "render": 1}

    def broken():
        raise gpu_check.StageError("no EGL context: libEGL.so.1 not found")

    def fine():
        check.run("echo", ["bash", "-c", "echo hello"])
        return {}

    check.stage("env", broken)
    check.stage("render", fine)
    data = json.loads((check.out / "gpu-check.json").read_text())
    assert data["stages"]["env"]["status"] == "failed"
    assert data["stages"]["render"]["status"] == "ok"
    md = (check.out / "gpu-check.md").read_text()
    assert "**env: failed**: no EGL context: libEGL.so.1 not found" in md
    assert "| render | echo | ok |" in md and "`bash -c 'echo hello'`" in md


def test_train_rate_leaves_out_the_first_interval(tmp_path):
    m = tmp_path / "metrics.jsonl"
    rows = [{"event": "train", "step": 10, "elapsed_s": 9.0, "img_per_s": 100.0},
            {"event": "eval", "step": 10},
            {"event": "train", "step": 20, "elapsed_s": 10.0, "img_per_s": 1000.0},
            {"event": "train", "step": 30, "elapsed_s": 11.0, "img_per_s": 1200.0, "data_wait_share": 0.25}]
    m.write_text("".join(json.dumps(r) + "\n" for r in rows))
    rate = gpu_report.train_rate(m)
    assert rate["steps_per_s"] == pytest.approx(10.0)
    assert rate["images_per_s"] == pytest.approx(1100.0)
    assert rate["data_wait_share"] == 0.25       # taken from the loop's records where it writes them
    assert gpu_report.train_rate(tmp_path / "absent.jsonl") == {}


def test_unknown_stage_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        gpu_check.main(["--out", str(tmp_path), "--stages", "env,gpu"])
    assert exc.value.code == 2 and "unknown stage" in capsys.readouterr().err


@pytest.mark.slow
def test_smoke_run_does_every_stage_on_the_cpu(tmp_path):
    out = tmp_path / "check"
    env = dict(os.environ, PYTHON=sys.executable)
    env.pop("PYTHONPATH", None)   # the script puts the project on PYTHONPATH itself (no install, no uv)
    proc = subprocess.run(["bash", str(ROOT / "scripts" / "gpu-check.sh"), "--smoke", str(out)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)
    data = json.loads((out / "gpu-check.json").read_text())
    status = {k: v["status"] for k, v in data["stages"].items()}
    md = (out / "gpu-check.md").read_text()
    assert proc.returncode == 0 and status == dict.fromkeys(gpu_report.STAGES, "ok"), (status, md)
    st = data["stages"]
    assert st["env"]["results"]["egl"]["GL_RENDERER"]
    assert st["render"]["results"]["32px"]["verified"]["ok"]
    assert st["render"]["results"]["32px"]["profile"]["limit"] in ("shading", "read_back", "resolve", "png", "tar")
    assert 0 <= st["teacher"]["results"]["val_top1"] <= 1
    shader = st["distil"]["results"]
    assert {"teacher_forward", "student_forward_backward", "attack"} <= set(shader["flops"]["parts"])
    assert shader["report"]["val"]["n"] > 0 and shader["tflops"] > 0
    assert st["dfad"]["results"]["report"]["method"] == "dfad"
    for command in ("shaderkd render", "shaderkd verify", "shaderkd teacher train --arch resnet8",
                    "shaderkd distill --recipe cifar10-r34-r18", "shaderkd distill --recipe cifar10-dfad"):
        assert command in md


def test_flop_counter_agrees_with_flop_counter_mode_and_counts_input_gradients():
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    import gpu_probes
    from train.models import create_model

    net = create_model("resnet8", 10, 3)
    x = torch.rand(2, 3, 32, 32)
    count = gpu_probes.flop_counter()
    ours = count(lambda: net(x).sum().backward())
    with FlopCounterMode(display=False) as fc:
        net(x).sum().backward()
    assert ours == fc.get_total_flops() > 0
    # the attack's pattern, which FlopCounterMode's module hooks refuse: a gradient to a leaf input
    xa = x.clone().requires_grad_(True)
    grad_only = count(lambda: torch.autograd.grad(net(xa).sum(), xa))
    forward = count(lambda: net(x))
    assert forward < grad_only < ours   # input gradients only: no weight gradients


def test_a_run_of_some_stages_reuses_the_others_and_clears_its_own(tmp_path):
    check = _check(tmp_path)
    out = check.out
    (out / "shader").mkdir()
    (out / "shader" / "state.pt").write_text("a run of an earlier check")
    (out / "teacher").mkdir()
    (out / "logs" / "distil-train.log").write_text("old")
    earlier = {"stages": {"teacher": {"status": "ok", "commands": [], "results": {"card": "x/best.json"}},
                          "distil": {"status": "failed", "commands": [], "error": "old"}}}
    (out / "gpu-check.json").write_text(json.dumps(earlier))
    check.start(["distil", "dfad"])
    assert check.results("teacher") == {"card": "x/best.json"} and check.data["stages"]["teacher"]["reused"]
    assert "distil" not in check.data["stages"]
    assert not (out / "shader").exists() and (out / "teacher").is_dir()
    assert not (out / "logs" / "distil-train.log").exists()
