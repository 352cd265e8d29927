"""The generator baselines DFAD and RDSKD: their step functions on tiny models, on the CPU."""
from __future__ import annotations

import math

import pytest
import torch

from train.methods import dfad, rdskd
from train.methods.generators import DAFLGenerator, dfad_generator, rdskd_generator, sample_noise
from train.models import Normalized, create_model
from train.recipe import OptimConfig

torch.set_num_threads(1)
MEAN, STD = [0.5], [0.1]   # a steep normalisation: a random LeNet gives confident, uneven classes


def models(seed: int = 0, ngf: int = 8):
    torch.manual_seed(seed)
    teacher = Normalized(create_model("lenet5", 10, 1), MEAN, STD).eval().requires_grad_(False)
    student = Normalized(create_model("lenet5_half", 10, 1), MEAN, STD)
    generator = DAFLGenerator(16, 1, 28, MEAN, STD, ngf=ngf)
    return teacher, student, generator


def noise(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_generator_output_is_the_teachers_normalised_input():
    g = dfad_generator(32, 3, 32, [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]).train()
    x = g(sample_noise(64, 32, noise(0), "cpu"))
    assert x.shape == (64, 3, 32, 32)
    normalised = (x - g.mean) / g.std          # what Normalized hands the teacher's network
    assert torch.allclose(normalised.mean((0, 2, 3)), torch.zeros(3), atol=1e-4)
    assert torch.allclose(normalised.std((0, 2, 3), unbiased=False), torch.ones(3), atol=1e-3)
    assert rdskd_generator(32, 3, 32, [0.5] * 3, [0.2] * 3).block1[1].eps == 0.8
    with pytest.raises(ValueError, match="multiple of 4"):
        dfad_generator(8, 1, 30, MEAN, STD)
    with pytest.raises(ValueError, match=r"\(B, 32\)"):
        g(torch.zeros(4, 31))


def source_trainer(method: str, seed: int = 0):
    """A DFAD or RDSKD source on the test models, in a Trainer (the loop's step) with Adam."""
    from train.loop import Trainer
    from train.methods.generators import GeneratorConfig
    from train.methods.source import Context
    from train.methods.sources import DFADSource, RDSKDSource
    from train.runstate import RunState
    teacher, student, _ = models(seed)
    card = {"in_channels": 1, "input_size": 28, "mean": MEAN, "std": STD}
    cfg = GeneratorConfig(nz=16, student_steps=5, pretrain_steps=3)
    source = {"dfad": DFADSource, "rdskd": RDSKDSource}[method](cfg, Context(teacher, card, torch.device("cpu")),
                                                                32, seed, 10.0)
    opt = torch.optim.Adam(student.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0)
    optim = OptimConfig(lr=2e-3, warmup_steps=0)
    trainer = Trainer(student, opt, sched, source, teacher, optim, torch.device("cpu"))
    state = RunState(loss_sum=torch.zeros(()), class_freq=torch.full((10,), 0.1))
    return trainer, state


def test_dfad_source_trains_student_and_generator_and_leaves_the_students_grad_alone():
    trainer, state = source_trainer("dfad")
    student, generator = trainer.model, trainer.source.generator
    before = [p.detach().clone() for p in student.parameters()]
    g_before = [p.detach().clone() for p in generator.parameters()]
    batches = trainer.source.batches(state)
    gaps = []
    for _ in range(10):    # a generator step after student steps 5 and 10
        out = trainer.step(next(batches).x, None, state)
        state.step += 1
        assert math.isfinite(float(out.loss))
        gaps += [float(out.extra["generator_gap"])] if out.extra else []
    assert len(gaps) == 2 and all(g > 0 for g in gaps)
    assert any(not torch.equal(a, p) for a, p in zip(before, student.parameters()))
    assert any(not torch.equal(a, p) for a, p in zip(g_before, generator.parameters()))
    student.zero_grad(set_to_none=True)
    dfad.generator_step(trainer.teacher, student, generator, trainer.source.optimizer, 32, noise(2))
    assert all(p.grad is None for p in student.parameters())


def gap_on(z, teacher, student, generator) -> float:
    with torch.no_grad():
        x = generator(z)
        return dfad.discrepancy(student(x), teacher(x)).item()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dfad_generator_steps_increase_the_discrepancy_on_a_fixed_student(seed):
    teacher, student, generator = models(seed)
    student.requires_grad_(False)
    z = sample_noise(64, 16, noise(100 + seed), "cpu")
    before = gap_on(z, teacher, student, generator)
    frozen = [p.detach().clone() for p in student.parameters()]
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-2)
    gen = noise(seed)
    first = dfad.generator_step(teacher, student, generator, opt_g, 64, gen)
    after_one = gap_on(z, teacher, student, generator)
    for _ in range(4):
        dfad.generator_step(teacher, student, generator, opt_g, 64, gen)
    after = gap_on(z, teacher, student, generator)
    assert all(torch.equal(a, p) for a, p in zip(frozen, student.parameters()))
    assert first > 0
    assert after_one > before
    assert after > 1.1 * before, (before, after_one, after)


def mean_softmax_entropy(z, teacher, generator) -> float:
    with torch.no_grad():
        return -rdskd.class_diversity(teacher(generator(z))).item()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rdskd_generator_steps_move_the_class_histogram_toward_uniform(seed):
    """On a teacher that puts nearly every generated image in class 0 (the collapse the class
    diversity term is there for), generator steps spread the batch-mean softmax over the classes."""
    teacher, _, generator = models(seed)
    last = teacher.net.classifier[-1]
    with torch.no_grad():
        last.weight.mul_(10)
        last.bias.zero_()
        last.bias[0] = 5.0
    z = sample_noise(128, 16, noise(200 + seed), "cpu")
    generator.train()
    h0 = mean_softmax_entropy(z, teacher, generator)
    assert h0 < 0.3 * math.log(10), "the test needs a teacher whose classes start collapsed"
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-2)
    seen = []
    ref = rdskd.train_generator(teacher, generator, opt_g, steps=15, batch_size=128, noise=noise(seed),
                                refresh_every=10, on_step=lambda i, terms: seen.append(terms))
    h1 = mean_softmax_entropy(z, teacher, generator)
    assert h1 > 1.5 * h0, (h0, h1)
    # the reference is refreshed at the second step of every 10 (steps 1 and 11 here)
    assert (ref.authenticity, ref.class_diversity) == (seen[11]["authenticity"], seen[11]["class_diversity"])


def test_rdskd_loss_terms():
    logits = torch.tensor([[5.0, 0, 0], [0, 5.0, 0], [5.0, 0, 0], [0, 0, 5.0]])
    assert rdskd.class_diversity(torch.zeros(4, 3)).item() == pytest.approx(-math.log(3), abs=1e-6)
    assert rdskd.class_diversity(logits).item() > -math.log(3)
    assert rdskd.authenticity(logits * 10).item() < rdskd.authenticity(logits).item()
    x = torch.zeros(4, 1, 2, 2)
    x[2:] = 1.0                                  # halves differ by 1 in 2 x 4 pixels: distance sqrt(8)
    t1, t2 = logits[:2], logits[2:]
    d = rdskd.sample_diversity(x[:2], x[2:], t1, t2)
    out_gap = torch.norm(torch.softmax(t2, 1) - torch.softmax(t1, 1))
    assert d.item() == pytest.approx((out_gap / math.sqrt(8)).item(), rel=1e-5)
    # distances are taken on normalised images: a std of 0.5 doubles the image distance
    assert rdskd.sample_diversity(x[:2], x[2:], t1, t2, 0.5).item() == pytest.approx(d.item() / 2, rel=1e-5)
    loss, terms = rdskd.generator_loss(x, logits, rdskd.Reference(1.0, -1.0))
    expected = math.exp(terms["authenticity"] - 1.0) + math.exp(terms["class_diversity"] + 1.0) + terms["sample_diversity"]
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    with pytest.raises(ValueError, match="even batch"):
        rdskd.generator_loss(x[:3], logits[:3], rdskd.Reference())


def test_rdskd_student_steps_reduce_the_kd_loss_on_the_frozen_generator():
    trainer, state = source_trainer("rdskd", seed=3)
    teacher, student, source = trainer.teacher, trainer.model, trainer.source
    assert source.prepare(student, lambda i, n, terms: None) and not source.prepare(student, None)
    generator = source.generator
    frozen = {k: v.clone() for k, v in generator.state_dict().items()}
    z = sample_noise(128, 16, noise(9), "cpu")
    with torch.no_grad():
        x = generator.eval()(z)
        before = rdskd.student_loss(student(x), teacher(x)).item()
    batches = source.batches(state)
    for _ in range(30):
        trainer.step(next(batches).x, None, state)
        state.step += 1
    with torch.no_grad():
        after = rdskd.student_loss(student(x), teacher(x)).item()
    assert after < 0.8 * before, (before, after)
    # the student phase never changes the generator, its running statistics included
    assert all(torch.equal(v, generator.state_dict()[k]) for k, v in frozen.items())


# ------------------------------------------------------------------ the methods in the trainer

from conftest import Interrupted, method_recipe, metrics  # noqa: E402
from train.distill import distill  # noqa: E402
from train.optim import lr_factor  # noqa: E402
from train.recipe import RecipeError, load_recipe  # noqa: E402


@pytest.mark.parametrize("method", ["dfad", "rdskd", "real-kd", "supervised"])
def test_every_method_runs_in_the_trainer(world, real_folder, tmp_path, method):
    r = method_recipe(world, method, real_folder if method in ("real-kd", "supervised") else None,
                      optim__steps=6, eval__every=3)
    report = distill(r, tmp_path / "run")
    rows = metrics(tmp_path / "run")
    train = [x for x in rows if x["event"] == "train"]
    assert report["method"] == method and report["images_seen"] == 6 * 32
    assert [x["step"] for x in train] == [2, 4, 6] and all(math.isfinite(x["loss"]) for x in train)
    if method == "dfad":        # a generator step after every 2nd student step, logged at steps 2, 4, 6
        assert all(x["generator_gap"] > 0 for x in train)
    if method == "rdskd":
        assert [x["generator_step"] for x in rows if x["event"] == "generator"] == [2, 3]
    state = torch.load(tmp_path / "run" / "state.pt", weights_only=True)
    assert ("generator" in state["source"]) == (method in ("dfad", "rdskd"))
    assert method.replace("-", " ") in (tmp_path / "run" / "report.md").read_text().replace("-", " ")


@pytest.mark.parametrize("method", ["dfad", "rdskd", "real-kd"])
def test_resume_restores_the_generator_and_the_data_order(world, real_folder, tmp_path, method):
    folder = real_folder if method == "real-kd" else None
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    distill(method_recipe(world, method, folder), straight)

    def kill_at_step_8(event):   # last checkpoint at 6: steps 7 and 8 are done twice
        if event["event"] == "step" and event["step"] == 8:
            raise Interrupted

    with pytest.raises(Interrupted):
        distill(method_recipe(world, method, folder), resumed, on_event=kill_at_step_8)
    distill(method_recipe(world, method, folder), resumed)
    assert metrics(resumed) == metrics(straight)
    a, b = (torch.load(d / "state.pt", weights_only=True) for d in (straight, resumed))
    assert all(torch.equal(a["student"][k], b["student"][k]) for k in a["student"])
    if "generator" in a["source"]:
        assert all(torch.equal(a["source"]["generator"][k], b["source"]["generator"][k]) for k in a["source"]["generator"])


def test_rdskd_generator_phase_is_checkpointed(world, tmp_path):
    run = tmp_path / "run"

    def kill_at_first_student_step(event):
        if event["event"] == "step":
            raise Interrupted

    with pytest.raises(Interrupted):
        distill(method_recipe(world, "rdskd"), run, on_event=kill_at_first_student_step)
    assert torch.load(run / "state.pt", weights_only=True)["source"]["pretrained"]
    seen = []
    distill(method_recipe(world, "rdskd"), run, on_event=seen.append)
    assert not any(e["event"] in ("generator", "generator_step") for e in seen)    # not trained again
    assert [x["generator_step"] for x in metrics(run) if x["event"] == "generator"] == [2, 3]


def test_step_schedule_and_method_recipes():
    from train.methods import METHODS
    from train.methods.source import SOURCES, source_class
    assert source_class("dfad").__name__ == "DFADSource" and set(SOURCES) == set(METHODS)   # one source a method
    cfg = OptimConfig(steps=100, warmup_steps=0, lr=0.1, schedule="step", milestones=[20, 50], gamma=0.1)
    assert [lr_factor(s, cfg) for s in (0, 19, 20, 49, 50, 99)] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])
    with pytest.raises(RecipeError, match="milestones"):
        load_recipe("mnist-dfad", ["optim.milestones=[50, 20]"])
    for name, method in (("mnist-dfad", "dfad"), ("cifar10-dfad", "dfad"), ("mnist-rdskd", "rdskd"),
                         ("cifar10-rdskd", "rdskd"), ("mnist-real-kd", "real-kd"), ("mnist-supervised", "supervised")):
        assert load_recipe(name).method == method
    r = load_recipe("mnist-dfad")          # the authors' defaults, as issue 6 lists them
    assert (r.data.batch_size, r.generator.nz, r.optim.lr, r.optim.weight_decay, r.optim.steps) == (512, 100, 0.01, 1e-4, 10000)
    r = load_recipe("cifar10-dfad")
    assert (r.data.batch_size, r.generator.nz, r.optim.lr, r.optim.milestones) == (256, 256, 0.1, (25000, 50000))
    r = load_recipe("mnist-rdskd")
    assert (r.generator.nz, r.generator.lr, r.data.batch_size, r.optim.lr, r.optim.temperature) == (100, 1e-3, 512, 0.002, 10.0)
    with pytest.raises(RecipeError, match="data.real"):
        load_recipe("mnist-real-kd", ["data.real="])
    with pytest.raises(RecipeError, match="mixup"):
        load_recipe("mnist-supervised", ["augment.mixup=0.5"])
    with pytest.raises(RecipeError, match="even"):
        load_recipe("mnist-rdskd", ["data.batch_size=33"])
    with pytest.raises(RecipeError, match="method must be one of"):
        load_recipe("mnist-dfad", ["method=gan"])
