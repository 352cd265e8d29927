"""Publishing a rendered set: card, preview, bank sources, Croissant; the manifest travels."""
from __future__ import annotations

import json
import tarfile

import pytest
from click.testing import CliRunner

from conftest import SIMPLE, write_bank
from render.run import RenderConfig, render_set
from render.verify import verify_set
from shards import format as fmt
from shards.manifest import MANIFEST, read_manifest
from shards.pull import pull


def render(bank, out, count=20):
    return render_set(RenderConfig(bank=str(bank), out=str(out), count=count, size=16, shard_size=10, workers=1))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("publish")
    bank = write_bank(root / "bank", SIMPLE)
    render(bank, root / "set")
    return bank, root / "set"


def test_render_manifest_has_licences_and_no_machine_path(rendered):
    bank, out = rendered
    m = read_manifest(out)
    assert m["format_version"] == 2 and "path" not in m["bank"]
    assert m["bank"]["licences"] == {name: "MIT (shaderkd project)" for name in SIMPLE}
    assert str(bank) not in (out / MANIFEST).read_text()


def test_publish_then_pull_gives_every_file_checked(rendered, tmp_path):
    from shaderkd.cli import main

    bank, src = rendered
    res = CliRunner().invoke(main, ["publish", str(src), "--bank", str(bank), "--out", str(tmp_path / "pub"),
                                    "--name", "tiny"])
    assert res.exit_code == 0, res.output
    pub = tmp_path / "pub"
    m = read_manifest(pub)
    assert [f["name"] for f in m["files"]] == ["README.md", "bank-sources.tar", "croissant.json", "preview.png"]
    digest = fmt.sha256_file(pub / MANIFEST)
    assert f"--sha256 {digest}" in res.output
    card = (pub / "README.md").read_text()
    front = card.split("---\n")[1]
    assert "license: mit" in front and "path: shard-*.tar" in front and "- n<1K" in front
    assert "pretty_name:" in front and "Warning" not in card and "shaderkd render --bank bank --out tiny --count 20" in card
    cro = json.loads((pub / "croissant.json").read_text())
    shas = {d["name"]: d["sha256"] for d in cro["distribution"] if d["@type"] == "cr:FileObject"}
    assert all(shas[s["name"]] == s["sha256"] for s in m["shards"])
    with tarfile.open(pub / "bank-sources.tar") as tar:
        names = tar.getnames()
    assert "bank/prelude.glsl" in names and all(f"bank/{n}.glsl" in names for n in SIMPLE)
    assert verify_set(pub).ok
    # the other lab
    got = tmp_path / "got"
    pull(pub.as_uri(), got, sha256=digest)
    assert sorted(p.name for p in got.iterdir()) == sorted([MANIFEST, "README.md", "bank-sources.tar", "croissant.json",
                                                           "preview.png", "shard-000000.tar", "shard-000001.tar"])
    assert verify_set(got).ok


def test_mixed_and_non_commercial_licences_are_warned(tmp_path):
    from render.bank import load_bank
    from shaderkd.cli_share import _bank_sources
    from shards.publish import publish

    bank = write_bank(tmp_path / "bank", dict(list(SIMPLE.items())[:2]))
    nc = tmp_path / "bank" / "t_nc.glsl"
    nc.write_text("// name: t_nc\n// family: test\n// licence: CC BY-NC-SA 3.0\n" + SIMPLE["t_checker"] + "\n")
    render(bank, tmp_path / "set")
    result = publish(tmp_path / "set", _bank_sources(str(bank)), b"\x89PNG", name="mixed")
    assert any("mixes 2 licences" in w for w in result.warnings)
    assert any("non-commercial" in w and "t_nc" in w for w in result.warnings)
    card = (tmp_path / "set" / "README.md").read_text()
    assert "license: other" in card and "**Warning:**" in card and "CC BY-NC-SA 3.0 | 1" in card
    assert load_bank(bank).hash == read_manifest(tmp_path / "set")["bank"]["hash"]


def test_publish_refuses_another_bank_and_a_damaged_set(rendered, tmp_path):
    from shaderkd.cli import main

    _, src = rendered
    other = write_bank(tmp_path / "other", {"t_grad": SIMPLE["t_grad"]})
    res = CliRunner().invoke(main, ["publish", str(src), "--bank", str(other), "--out", str(tmp_path / "p")])
    assert res.exit_code == 1 and "give the bank that rendered the set" in res.output
    import shutil
    bank, _ = rendered
    broken = tmp_path / "broken"
    shutil.copytree(src, broken)
    data = bytearray((broken / "shard-000001.tar").read_bytes())
    data[700] ^= 1
    (broken / "shard-000001.tar").write_bytes(bytes(data))
    res = CliRunner().invoke(main, ["publish", str(broken), "--bank", str(bank)])
    assert res.exit_code == 1 and "broken/shard-000001.tar: sha256 is" in res.output
    assert not (broken / "README.md").exists()


@pytest.mark.slow
def test_rerender_proves_the_shards_and_catches_a_swapped_one(rendered, tmp_path):
    import shutil

    from render.verify import rerender_check
    from shaderkd.cli import main
    from shards.publish import publish
    from shaderkd.cli_share import _bank_sources

    bank, src = rendered
    pub = tmp_path / "pub"
    publish(src, _bank_sources(str(bank)), b"\x89PNG", out=pub)
    res = CliRunner().invoke(main, ["verify", str(pub), "--rerender", "1"])      # from the packed sources
    assert res.exit_code == 0, res.output
    assert "identical bytes, on this renderer" in res.output
    # a shard swapped for one of another render (seed 1), the manifest updated to match: only a
    # re-render can tell
    other = tmp_path / "other"
    render_set(RenderConfig(bank=str(bank), out=str(other), count=20, size=16, shard_size=10, seed=1, workers=1))
    shutil.copyfile(other / "shard-000001.tar", pub / "shard-000001.tar")
    m = json.loads((pub / MANIFEST).read_text())
    m["shards"][1].update(sha256=fmt.sha256_file(pub / "shard-000001.tar"), bytes=(pub / "shard-000001.tar").stat().st_size)
    (pub / MANIFEST).write_text(json.dumps(m))
    assert verify_set(pub).ok
    report = rerender_check(pub, 2, bank=str(bank), seed=0)
    assert report.same_renderer and not report.ok
    by = {s.shard: s for s in report.shards}
    assert by["shard-000000.tar"].identical and not by["shard-000001.tar"].identical
    assert by["shard-000001.tar"].differing == 10 and by["shard-000001.tar"].max_abs > 0


def test_a_directory_mixing_project_shaders_and_a_collection_is_one_bank(tmp_path):
    """A mixed bank (e.g. shaders/ beside a Shadertoy export) renders, publishes and re-renders as one."""
    from render.bank import load_bank
    from render.verify import rerender_check
    from shards.publish import publish
    from shaderkd.cli_share import _bank_sources

    bank = write_bank(tmp_path / "mixed", SIMPLE)
    records = [{"name": "rings", "licence": "MIT",
                "code": "void mainImage(out vec4 c, in vec2 f) { vec2 p = f / iResolution.xy - 0.5; "
                        "c = vec4(0.5 + 0.5 * sin(40.0 * length(p) + iTime), p + 0.5, 1.0); }"}]
    (bank / "external").mkdir()
    (bank / "external" / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in records) + "\n")
    b = load_bank(bank)
    assert sorted(b.names) == sorted([*SIMPLE, "st_rings"])
    assert {s.name: s.dialect for s in b.shaders}["st_rings"] == "shadertoy"
    out = tmp_path / "set"
    render(bank, out, count=40)
    m = read_manifest(out)
    assert m["bank"]["licences"]["st_rings"] == "MIT" and m["bank"]["hash"] == b.hash
    drawn = {json.loads(f.extractfile(i).read())["shader"]
             for s in m["shards"] for f in [tarfile.open(out / s["name"])] for i in f if i.name.endswith(".json")}
    assert "st_rings" in drawn and drawn & set(SIMPLE)
    pub = tmp_path / "pub"
    publish(out, _bank_sources(str(bank)), b"\x89PNG", out=pub)
    assert rerender_check(pub, 1, seed=0).ok      # from the packed sources: both kinds of file travel


def test_a_directory_bank_with_nothing_to_load_says_so(tmp_path):
    from render.bank import BankError, load_bank

    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(BankError, match=r"empty: no \.glsl, \.json or \.jsonl files found"):
        load_bank(tmp_path / "empty")
