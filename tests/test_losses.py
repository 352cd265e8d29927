"""The KD loss: zero for identical logits, equal to the KL written out by hand and to torch's kl_div."""
import math

import pytest
import torch
import torch.nn.functional as F

from train.losses import kd_kl


def test_zero_for_identical_logits():
    z = torch.randn(16, 10) * 5
    assert kd_kl(z, z.clone(), temperature=4.0).abs().item() < 1e-6
    # a constant shift of the logits does not change the softmax either
    assert kd_kl(z + 3.0, z, temperature=2.0).abs().item() < 1e-5


@pytest.mark.parametrize("T", [1.0, 4.0, 20.0])
def test_matches_reference(T):
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(8, 5, generator=g) * 3, torch.randn(8, 5, generator=g) * 3
    ref = 0.0
    for i in range(8):  # sum_k p_k (log p_k - log q_k), averaged over the batch, times T^2
        zs = [v / T for v in s[i].tolist()]
        zt = [v / T for v in t[i].tolist()]
        ls = math.log(sum(math.exp(v) for v in zs))
        lt = math.log(sum(math.exp(v) for v in zt))
        ref += sum(math.exp(b - lt) * ((b - lt) - (a - ls)) for a, b in zip(zs, zt))
    ref = ref / 8 * T * T
    assert kd_kl(s, t, T).item() == pytest.approx(ref, rel=1e-5)
    torch_ref = F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean") * T * T
    assert kd_kl(s, t, T).item() == pytest.approx(torch_ref.item(), rel=1e-5)
    per = kd_kl(s, t, T, reduction="none")
    assert per.shape == (8,) and (per >= 0).all() and per.mean().item() == pytest.approx(ref, rel=1e-5)


def test_gradient_pulls_student_to_teacher():
    s = torch.zeros(4, 3, requires_grad=True)
    t = torch.tensor([[5.0, 0, 0]] * 4)
    kd_kl(s, t, 1.0).backward()
    assert (s.grad[:, 0] < 0).all() and (s.grad[:, 1:] > 0).all()


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="differ"):
        kd_kl(torch.zeros(2, 3), torch.zeros(2, 4))
    with pytest.raises(ValueError, match="temperature"):
        kd_kl(torch.zeros(2, 3), torch.zeros(2, 3), temperature=0)
