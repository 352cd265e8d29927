"""The model registry: shapes, the published parameter counts, checkpoint-compatible names,
and `Normalized` taking [0, 1] images."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from train.models import (REGISTRY, Normalized, UnknownModelError, check_model_name, create_model,
                          default_input_size, list_models)

torch.set_num_threads(1)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_model_gives_logits_at_its_input_size(name):
    channels = 1 if name.startswith("lenet") else 3
    net = create_model(name, 7, channels).eval()
    size = default_input_size(name)
    with torch.no_grad():
        out = net(torch.rand(2, channels, size, size))
    assert out.shape == (2, 7)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name, millions", [
    # He et al. 2016, table 6; Zagoruyko & Komodakis 2016 (WRN-40-2: 2.2M)
    ("resnet20", 0.27), ("resnet32", 0.46), ("resnet44", 0.66), ("resnet56", 0.85),
    ("wrn40_2", 2.24), ("resnet18", 11.17)])
def test_parameter_counts_match_the_papers(name, millions):
    count = sum(p.numel() for p in create_model(name, 10).parameters())
    assert round(count / 1e6, 2) == millions


def test_he_resnet_uses_the_option_a_layout_of_published_checkpoints():
    keys = set(create_model("resnet20", 10).state_dict())
    assert {"conv1.weight", "bn1.running_var", "layer1.0.conv1.weight", "layer3.2.bn2.bias",
            "linear.weight", "linear.bias"} <= keys
    assert not any("shortcut" in k for k in keys)    # option A has no parameters
    assert len([k for k in keys if not k.endswith("num_batches_tracked")]) == 97


def test_option_a_shortcut_subsamples_and_zero_pads():
    block = create_model("resnet20", 10).layer2[0]
    x = torch.rand(1, 16, 8, 8)
    out = block.shortcut(x)
    assert out.shape == (1, 32, 4, 4)
    assert torch.equal(out[:, 8:24], x[:, :, ::2, ::2])
    assert out[:, :8].abs().sum() == 0 and out[:, 24:].abs().sum() == 0


def test_lenet5_half_halves_every_layer():
    full, half = create_model("lenet5", 10, 1), create_model("lenet5_half", 10, 1)
    widths = lambda net: [m.out_channels if isinstance(m, nn.Conv2d) else m.out_features  # noqa: E731
                          for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    assert widths(full) == [6, 16, 120, 84, 10]
    assert widths(half) == [3, 8, 60, 42, 10]
    with pytest.raises(ValueError, match="28x28"):
        full(torch.zeros(1, 1, 32, 32))


@pytest.mark.slow
def test_torchvision_models_by_name_with_other_channel_counts():
    net = create_model("tv:resnet18", 5, in_channels=1).eval()
    with torch.no_grad():
        assert net(torch.rand(1, 1, 64, 64)).shape == (1, 5)
    assert "tv:resnet50" in list_models()
    assert default_input_size("tv:resnet50") == 224


def test_unknown_names_say_what_exists():
    with pytest.raises(UnknownModelError, match="resnet20"):
        create_model("resnet21", 10)
    with pytest.raises(UnknownModelError, match="torchvision"):
        create_model("tv:not_a_model", 10)
    with pytest.raises(UnknownModelError, match="named by a string"):
        check_model_name(None)
    check_model_name("tv:resnet18")
    check_model_name("lenet5_half")


def test_a_recipe_naming_an_unknown_student_is_refused_when_loaded():
    from train.recipe import RecipeError, load_recipe
    with pytest.raises(RecipeError, match="student: unknown architecture 'resnet21'"):
        load_recipe("mnist-lenet5", ["student=resnet21"])


def test_teacher_training_refuses_an_unknown_architecture_before_reading_data(tmp_path):
    from click.testing import CliRunner

    from train.cli import teacher_group
    result = CliRunner().invoke(teacher_group, ["train", "--arch", "resnet21", "--data", "folder:/none",
                                                "--val", "folder:/none", "--out", str(tmp_path / "run")])
    assert result.exit_code == 1 and "unknown architecture 'resnet21'" in result.output
    assert not (tmp_path / "run").exists()


def test_recipe_values_are_checked_by_the_field_type_not_the_default():
    from train.recipe import RecipeError, load_recipe
    assert load_recipe("mnist-lenet5", ["data.cache_max_mb=0.001"]).data.cache_max_mb == 0.001
    assert load_recipe("mnist-lenet5", ["data.cache_max_mb=64"]).data.cache_max_mb == 64.0
    with pytest.raises(RecipeError, match="data.batch_size must be an integer"):
        load_recipe("mnist-lenet5", ["data.batch_size=2.5"])
    with pytest.raises(RecipeError, match="optim.lr must be a finite number"):
        load_recipe("mnist-lenet5", ["optim.lr=nan"])


def test_normalized_normalises_inside_and_moves_with_the_module():
    net = create_model("resnet20", 10).eval()
    mean, std = [0.4, 0.5, 0.6], [0.2, 0.25, 0.3]
    model = Normalized(net, mean, std).eval()
    x = torch.rand(2, 3, 32, 32)
    expected = net((x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1))
    with torch.no_grad():
        assert torch.allclose(model(x), expected, atol=1e-5)
    assert all(k.startswith("net.") for k in model.state_dict())
    assert model.to(torch.float64).mean.dtype == torch.float64
    assert model.net is net
    with pytest.raises(ValueError, match="std"):
        Normalized(net, [0.5], [0.0])
