"""Data-parallel training with torch.distributed, launched by torchrun (or `shaderkd distill --nproc N`).

    torchrun --nproc-per-node 2 -m shaderkd distill --recipe cifar10-cpu --out runs/x     # gloo on a CPU
    shaderkd distill --nproc 2 --recipe cifar10-cpu --out runs/x                          # the same, launched for you

What a run means does not depend on the number of processes. The recipe's `batch_size` is the global
batch. Every rank draws every random number of a step for the whole global batch, exactly as one process
would (the shard order from (seed, epoch), augmentation, mixup, attack and generator draws from the run's
generators), and does the work on images only for its own contiguous slice (`Group.span`): the source
augments the slice and the mixing partners it needs, attacks the attacked groups in the slice, and the
teacher and student run on the slice. DistributedDataParallel averages the gradients (the mean of equal
slices' mean losses is the global mean loss), SyncBatchNorm makes the student's batch statistics those of
the global batch, and the teacher's class histogram (which steers the boundary attack) is summed over the
ranks, so every rank holds the same student, optimiser, EMA and generators as a one-process run, up to
the order of floating-point reductions. A streamed shard set is split over the ranks by shards and the
slices gathered (train/shardset.py). Rank 0 alone writes the run directory and evaluates; every rank
resumes from the same state.pt.

A generator's own steps (DFAD, RDSKD) are repeated on every rank, which keeps the generators identical
without communicating them.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta

import torch
import torch.distributed as dist
from torch import nn

log = logging.getLogger(__name__)
TIMEOUT_ENV = "SHADERKD_DIST_TIMEOUT"   # seconds a rank waits for the others (rendezvous, a collective)


class DistributedError(Exception):
    """A distributed run that cannot work as asked: devices, batch size, rendezvous."""


@dataclass
class Group:
    """This process's place in a data-parallel run."""
    rank: int
    world: int
    local_rank: int

    @property
    def main(self) -> bool:
        return self.rank == 0

    def span(self, n: int) -> tuple[int, int]:
        """[lo, hi): this rank's contiguous share of a global batch of n."""
        if n % self.world:
            raise DistributedError(f"a batch of {n} cannot be split evenly over {self.world} processes; "
                                   f"make data.batch_size a multiple of {self.world}")
        k = n // self.world
        return self.rank * k, (self.rank + 1) * k

    def local(self, *tensors: torch.Tensor | None) -> tuple:
        """This rank's contiguous slice of each global-batch tensor (None stays None); batch B / world each."""
        out = []
        for t in tensors:
            if t is None:
                out.append(None)
                continue
            if len(t) % self.world:
                raise DistributedError(f"a batch of {len(t)} cannot be split evenly over {self.world} processes; "
                                       f"make data.batch_size a multiple of {self.world}")
            n = len(t) // self.world
            out.append(t[self.rank * n:(self.rank + 1) * n])
        return tuple(out)

    def gather(self, t: torch.Tensor) -> torch.Tensor:
        """Every rank's t, concatenated in rank order (the same on every rank)."""
        out = [torch.empty_like(t) for _ in range(self.world)]
        dist.all_gather(out, t)
        return torch.cat(out)

    def sum_(self, t: torch.Tensor) -> torch.Tensor:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t

    def mean_(self, t: torch.Tensor) -> torch.Tensor:
        return self.sum_(t).div_(self.world)

    def barrier(self) -> None:
        dist.barrier()

    def device(self, device: torch.device) -> torch.device:
        """A CUDA run uses the GPU of this rank's local index."""
        if device.type != "cuda":
            return device
        torch.cuda.set_device(self.local_rank)
        return torch.device("cuda", self.local_rank)

    def wrap(self, model: nn.Module, device: torch.device) -> nn.Module:
        """The student's training forward: DistributedDataParallel (gradients averaged over the ranks in backward)."""
        ids = [device.index] if device.type == "cuda" else None
        return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def launched() -> bool:
    """True inside torchrun (or any launcher that sets WORLD_SIZE and RANK)."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def _env_int(name: str) -> int:
    try:
        return int(os.environ[name])
    except (KeyError, ValueError):
        raise DistributedError(f"{name}={os.environ.get(name)!r}: torchrun sets RANK, WORLD_SIZE and LOCAL_RANK; "
                               f"launch with `torchrun --nproc-per-node N -m shaderkd ...` or `--nproc N`") from None


def setup(device: torch.device, batch_size: int) -> Group | None:
    """Join the process group torchrun prepared (gloo on a CPU, NCCL on CUDA); None in a plain process.

    Checks first what would otherwise fail late or hang: a global batch the ranks cannot share evenly,
    more processes on this machine than GPUs."""
    if not launched() or dist.is_initialized():
        return None
    rank, world, local = _env_int("RANK"), _env_int("WORLD_SIZE"), int(os.environ.get("LOCAL_RANK", "0"))
    if world == 1:
        return None
    if batch_size % world:
        raise DistributedError(f"data.batch_size {batch_size} is the global batch and must be a multiple of the "
                               f"{world} processes (each takes an equal slice); pass e.g. --set data.batch_size="
                               f"{max(world, batch_size // world * world)}")
    if device.type == "cuda":
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", world))
        if local_world > torch.cuda.device_count():
            raise DistributedError(f"{local_world} processes on this machine but {torch.cuda.device_count()} CUDA "
                                   f"device(s) visible: pass --nproc-per-node (or --nproc) at most "
                                   f"{torch.cuda.device_count()}, or run.device=cpu")
    timeout = timedelta(seconds=float(os.environ.get(TIMEOUT_ENV, 1800)))
    backend = "nccl" if device.type == "cuda" else "gloo"
    try:
        dist.init_process_group(backend, rank=rank, world_size=world, timeout=timeout)
    except (RuntimeError, ValueError, dist.DistError) as exc:
        raise DistributedError(
            f"rank {rank} of {world} could not join the process group at {os.environ.get('MASTER_ADDR')}:"
            f"{os.environ.get('MASTER_PORT')} within {timeout.total_seconds():g} s ({exc}); check that every "
            f"machine runs the same torchrun command with the same --rdzv-endpoint and can reach it "
            f"({TIMEOUT_ENV} sets the wait)") from exc
    log.info("rank %d of %d (%s)", rank, world, backend)
    return Group(rank, world, local)


def teardown(group: Group | None) -> None:
    if group is not None and dist.is_initialized():
        dist.destroy_process_group()


class GlooSyncBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch norm over the global batch for CPU (gloo) runs, where torch's SyncBatchNorm refuses to work
    (DDP: "SyncBatchNorm layers only work with GPU modules").

    Training: the per-channel sum, sum of squares and count are summed over the ranks by an autograd-aware
    all-reduce (whose backward sums the gradients, as SyncBatchNorm's does); the rest is BatchNorm's
    arithmetic, running statistics included. Evaluation (and one process): plain batch norm.

    The student also runs outside the DDP forward on the whole global batch on every rank (the discrepancy
    attack, DFAD's generator step): the sums then count the batch once per rank, and so does the count, so
    the statistics and their gradients are still one process's."""

    def _check_input_dim(self, x):
        if x.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {x.dim()}D input)")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        from torch.distributed.nn.functional import all_reduce
        dims = [d for d in range(x.dim()) if d != 1]
        c = x.shape[1]
        xf = x.float()
        count = torch.full((1,), x.numel() / c, dtype=torch.float32, device=x.device)
        total = all_reduce(torch.cat([xf.sum(dims), (xf * xf).sum(dims), count]))
        n = total[-1]
        mean = total[:c] / n
        var = (total[c:2 * c] / n - mean * mean).clamp_min(0)
        if self.track_running_stats:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)
                m = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
                self.running_mean.mul_(1 - m).add_(mean.detach(), alpha=m)
                self.running_var.mul_(1 - m).add_(var.detach() * (n / (n - 1)), alpha=m)
        shape = [1, c] + [1] * (x.dim() - 2)
        y = (xf - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y.to(x.dtype)


def _convert_gloo(module: nn.Module) -> nn.Module:
    if isinstance(module, nn.modules.batchnorm._BatchNorm) and not isinstance(module, GlooSyncBatchNorm):
        new = GlooSyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                                module.track_running_stats)
        if module.affine:
            new.weight, new.bias = module.weight, module.bias
        if module.track_running_stats:
            new.running_mean, new.running_var = module.running_mean, module.running_var
            new.num_batches_tracked = module.num_batches_tracked
        new.train(module.training)
        return new
    for name, child in module.named_children():
        module.add_module(name, _convert_gloo(child))
    return module


def sync_batchnorm(model: nn.Module, group: Group | None, enabled: bool, device: torch.device) -> nn.Module:
    """The student with synchronised batch norms (statistics of the global batch), when distributed and
    enabled: torch's SyncBatchNorm on a GPU, GlooSyncBatchNorm on a CPU.

    The new layers share the old ones' parameters and buffers, so state dicts keep their keys."""
    if group is None or not enabled:
        return model
    return nn.SyncBatchNorm.convert_sync_batchnorm(model) if device.type == "cuda" else _convert_gloo(model)


def launch(nproc: int, args: list[str]) -> int:
    """Run `python -m shaderkd <args>` in `nproc` processes on this machine through torchrun's own launcher
    (torch.distributed.run, --standalone); returns its exit status (non-zero when any rank failed)."""
    import subprocess
    import sys
    if nproc < 1:
        raise DistributedError(f"--nproc must be at least 1 (got {nproc})")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={nproc}",
           "-m", "shaderkd", *args]
    log.info("launching %s", " ".join(cmd))
    return subprocess.call(cmd)
