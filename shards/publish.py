"""Make a rendered shard set ready to hand to another lab: `shaderkd publish DIR`.

Beside the shards and the manifest it writes (see shards/README.md, "A published set"):

  README.md          a dataset card: YAML front matter as dataset hubs read it, then how the set was
                     made, intended uses and the shaders' licences (with a warning when they are
                     mixed, non-commercial or unknown)
  preview.png        a contact sheet of the first images
  bank-sources.tar   the bank's sources, so the receiving lab can re-render (`verify --rerender`)
  croissant.json     Croissant 1.0 metadata (JSON-LD) with the sha256 of every shard

and rewrites the manifest as format version 2 (no rendering machine's path, every shader's
licence) listing those files with their sizes and hashes, so `pull` checks them like shards. The
shards themselves are not touched (they are copied unchanged with `out`).

Standard library only: the caller passes the preview sheet and the bank (render/ reads those).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from shards.format import sha256_file
from shards.manifest import FORMAT_VERSION, MANIFEST, ShardFormatError, read_manifest, write_manifest

CARD, PREVIEW, SOURCES, CROISSANT = "README.md", "preview.png", "bank-sources.tar", "croissant.json"
# licence words -> the identifiers dataset hubs use in a card's `license:`
HUB_LICENCES = {"mit": "mit", "apache-2.0": "apache-2.0", "apache": "apache-2.0", "cc0": "cc0-1.0",
                "cc0-1.0": "cc0-1.0", "cc-by-4.0": "cc-by-4.0", "cc-by-3.0": "cc-by-3.0",
                "cc-by-sa-4.0": "cc-by-sa-4.0", "cc-by-sa-3.0": "cc-by-sa-3.0", "cc-by-nc-4.0": "cc-by-nc-4.0",
                "cc-by-nc-3.0": "cc-by-nc-3.0", "cc-by-nc-sa-3.0": "cc-by-nc-sa-3.0",
                "cc-by-nc-sa-4.0": "cc-by-nc-sa-4.0", "bsd-3-clause": "bsd-3-clause", "unlicense": "unlicense"}


class PublishError(ShardFormatError):
    """A set cannot be published as asked."""


@dataclass
class BankSources:
    """What publish needs of the bank that rendered the set (read by render.bank)."""
    hash: str
    licences: dict[str, str]                 # shader name -> licence
    files: list[tuple[str, bytes]]           # (path relative to the bank, content), sorted
    name: str = "bank"


@dataclass
class Published:
    directory: Path
    manifest_sha256: str
    warnings: list[str] = field(default_factory=list)


def licence_id(text: str) -> str:
    """'MIT (shaderkd project)' -> 'mit'; 'CC BY-NC-SA 3.0' -> 'cc-by-nc-sa-3.0'; else 'other'."""
    head = re.sub(r"\(.*?\)", "", text).strip().lower()
    key = re.sub(r"[\s_]+", "-", head).replace("--", "-")
    return HUB_LICENCES.get(key, "other")


def licence_warnings(licences: dict[str, str]) -> list[str]:
    kinds = sorted(set(licences.values()))
    out = []
    if len(kinds) > 1:
        out.append(f"the bank mixes {len(kinds)} licences ({'; '.join(kinds[:5])}{'; ...' if len(kinds) > 5 else ''}): "
                   f"the set's images carry the terms of every shader that drew them")
    nc = sorted(n for n, lic in licences.items() if re.search(r"\bNC\b|non-?commercial", lic, re.I))
    if nc:
        out.append(f"{len(nc)} shader(s) are under a non-commercial licence ({', '.join(nc[:5])}"
                   f"{', ...' if len(nc) > 5 else ''}): the set may not be used commercially")
    unknown = sorted(n for n, lic in licences.items() if not lic.strip() or lic.strip().lower() in ("unknown", "?"))
    if unknown:
        out.append(f"{len(unknown)} shader(s) have no known licence ({', '.join(unknown[:5])}): ask their authors "
                   f"before sharing")
    return out


def pack_sources(files: list[tuple[str, bytes]]) -> bytes:
    """A deterministic tar of the bank's files (sorted, mtime 0, no owners)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for rel, data in sorted(files):
            info = tarfile.TarInfo(f"bank/{rel}")
            info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = len(data), 0, 0o444, 0, 0, "", ""
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def publish(directory: Path | str, bank: BankSources, preview_png: bytes, out: Path | str | None = None,
            name: str | None = None, url: str | None = None, tool: dict | None = None) -> Published:
    """Publish the set in `directory` (in place, or copied into `out`); return where and the manifest hash."""
    src = Path(directory)
    manifest = read_manifest(src)
    if not manifest["complete"]:
        raise PublishError(f"{src}: the set is incomplete; finish the render (run the same `shaderkd render`) "
                           f"before publishing it")
    if bank.hash != manifest["bank"]["hash"]:
        raise PublishError(f"the bank given has hash {bank.hash}, but {src} was rendered from the bank with hash "
                           f"{manifest['bank']['hash']}: give the bank that rendered the set (--bank)")
    for s in manifest["shards"]:
        path = src / s["name"]
        if not path.is_file() or path.stat().st_size != s["bytes"] or sha256_file(path) != s["sha256"]:
            raise PublishError(f"{path}: missing or not the shard the manifest names; `shaderkd verify {src}` "
                               f"says more. Re-render it before publishing")
    dest = Path(out) if out is not None else src
    if dest != src:
        if dest.exists() and any(dest.iterdir()):
            raise PublishError(f"{dest}: not empty; publish into a new directory")
        dest.mkdir(parents=True, exist_ok=True)
        for s in manifest["shards"]:
            shutil.copyfile(src / s["name"], dest / s["name"])
    name = name or src.resolve().name
    excluded = {e["shader"] for e in manifest["bank"].get("excluded", [])}
    used = {n: lic for n, lic in bank.licences.items() if n not in excluded}
    warnings = licence_warnings(used)

    manifest = json.loads(json.dumps(manifest))
    manifest["format_version"] = FORMAT_VERSION
    manifest["bank"].pop("path", None)
    manifest["bank"]["licences"] = dict(sorted(bank.licences.items()))
    manifest.pop("files", None)
    extras = {PREVIEW: preview_png, SOURCES: pack_sources(bank.files)}
    extras[CROISSANT] = croissant(manifest, name, used, extras, url).encode()
    extras[CARD] = card(manifest, name, used, warnings, tool or {}).encode()
    for fname, data in extras.items():
        tmp = dest / (fname + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, dest / fname)
    manifest["files"] = [{"name": f, "sha256": hashlib.sha256(d).hexdigest(), "bytes": len(d)}
                         for f, d in sorted(extras.items())]
    write_manifest(dest, manifest)
    return Published(dest, sha256_file(dest / MANIFEST), warnings)


def _size_category(n: int) -> str:
    for limit, label in [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                         (10_000_000, "1M<n<10M")]:
        if n < limit:
            return label
    return "n>10M"


def _set_licence(used: dict[str, str]) -> str:
    ids = {licence_id(v) for v in used.values()}
    return ids.pop() if len(ids) == 1 else "other"


def render_command(manifest: dict, name: str) -> str:
    c = manifest["config"]
    opts = [("count", "--count"), ("size", "--size"), ("supersample", "--supersample"), ("seed", "--seed"),
            ("shard_size", "--shard-size"), ("max_frame_ms", "--max-frame-ms")]
    return (f"shaderkd render --bank bank --out {name} "
            + " ".join(f"{flag} {c[k]:g}" if isinstance(c[k], float) else f"{flag} {c[k]}" for k, flag in opts if k in c))


def card(manifest: dict, name: str, used: dict[str, str], warnings: list[str], tool: dict) -> str:
    """The dataset card: YAML front matter (hub metadata) and prose."""
    n, c, bank = manifest["num_samples"], manifest["config"], manifest["bank"]
    lic = _set_licence(used)
    counts: dict[str, int] = {}
    for v in used.values():
        counts[v] = counts.get(v, 0) + 1
    front = "\n".join([
        "---",
        f"pretty_name: {json.dumps(f'shaderkd shader images: {name}')}",
        f"license: {lic}",
        *([f"license_name: {json.dumps('; '.join(sorted(counts)))}"] if lic == "other" else []),
        "task_categories:", "- image-classification",
        "size_categories:", f"- {_size_category(n)}",
        "tags:", *[f"- {t}" for t in ("synthetic", "procedural", "glsl", "shaders", "knowledge-distillation",
                                       "data-free", "webdataset")],
        "configs:", "- config_name: default", "  data_files:", "  - split: train", "    path: shard-*.tar",
        "---", ""])
    excluded = bank.get("excluded", [])
    rejected = manifest["stats"].get("rejected_by_reason", {})
    renderer = manifest.get("renderer", {})
    lines = [
        f"# {name}: procedural shader images for data-free knowledge distillation", "",
        f"{n:,} images of {c.get('size', '?')}x{c.get('size', '?')} px drawn by {bank.get('num_usable', len(used))} "
        f"GLSL fragment shaders with random parameters, in {len(manifest['shards'])} webdataset shards "
        f"(`shard-NNNNNN.tar`: `<key>.png` and `<key>.json` per sample). No real photograph went into them; "
        f"the format is described in shaderkd's `shards/README.md`.", "",
        "![preview](preview.png)", "",
        "## How it was made", "",
        "```", "tar xf bank-sources.tar          # the bank, as bank/", render_command(manifest, name), "```", "",
        f"- seed {c.get('seed')}, supersampling x{c.get('supersample')} (box filter), shard size {c.get('shard_size')}",
        f"- bank: sha256 `{bank['hash']}` ({bank.get('num_shaders', len(bank.get('licences', {})))} shaders); its "
        f"sources are in `bank-sources.tar`",
        f"- renderer: {renderer.get('GL_RENDERER', 'mixed' if 'mixed' in renderer else 'unknown')}"
        f" ({renderer.get('GL_VERSION', '')}), moderngl {renderer.get('moderngl', '?')}",
        f"- published with shaderkd {tool.get('version', '?')}" + (f" (commit {tool['commit']})" if tool.get("commit") else ""),
        f"- shaders excluded: {len(excluded)}" + (": " + ", ".join(f"{e['shader']} ({e['reason']})" for e in excluded[:20])
                                                  + (", ..." if len(excluded) > 20 else "") if excluded else ""),
        f"- degenerate frames redrawn: {manifest['stats'].get('rejected_frames', 0)}"
        + (f" ({', '.join(f'{k}: {v}' for k, v in rejected.items())})" if rejected else ""), "",
        "Every sample follows from (seed, index, attempt) and the bank alone, so any shard can be re-rendered "
        "and compared: `shaderkd verify DIR --rerender K` does it for K random shards.", "",
        "## Intended uses", "",
        "Training a student network from a teacher without the teacher's data (data-free knowledge "
        "distillation), pre-training and robustness studies on procedural images. The images carry no "
        "labels; any label comes from the teacher that looks at them. Not intended as a benchmark of "
        "natural-image recognition.", "",
        "## Licence of the shaders", "",
        "| licence | shaders |", "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in sorted(counts.items())], "",
        *(["**Warning:** " + w + "." for w in warnings] or ["Every shader that drew these images is under the "
                                                            "licence above."]), "",
        "## Getting and checking it", "",
        "```",
        "shaderkd pull URL DIR --sha256 <the manifest's sha256, as the publisher gives it>",
        "shaderkd verify DIR",
        "```", "",
        "Every file is listed in `manifest.json` with its size and sha256; `croissant.json` describes the "
        "set for dataset catalogues.", ""]
    return front + "\n".join(lines)


def croissant(manifest: dict, name: str, used: dict[str, str], extras: dict[str, bytes], url: str | None) -> str:
    """Croissant 1.0 (JSON-LD) metadata: every shard as a FileObject with its sha256, the PNG and JSON
    members as FileSets, and a RecordSet of (key, image, record)."""
    context = {
        "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs", "column": "cr:column",
        "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/", "data": {"@id": "cr:data", "@type": "@json"},
        "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
        "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
        "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet",
        "format": "cr:format", "includes": "cr:includes", "isLiveDataset": "cr:isLiveDataset",
        "jsonPath": "cr:jsonPath", "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField",
        "path": "cr:path", "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
        "repeated": "cr:repeated", "replace": "cr:replace", "sc": "https://schema.org/", "separator": "cr:separator",
        "source": "cr:source", "subField": "cr:subField", "transform": "cr:transform"}
    shards = [{"@type": "cr:FileObject", "@id": s["name"], "name": s["name"], "contentUrl": s["name"],
               "contentSize": f"{s['bytes']} B", "encodingFormat": "application/x-tar", "sha256": s["sha256"]}
              for s in manifest["shards"]]
    others = [{"@type": "cr:FileObject", "@id": f, "name": f, "contentUrl": f, "contentSize": f"{len(d)} B",
               "encodingFormat": {PREVIEW: "image/png", SOURCES: "application/x-tar"}[f],
               "sha256": hashlib.sha256(d).hexdigest()} for f, d in sorted(extras.items())]
    contained = [{"@id": s["name"]} for s in manifest["shards"]]
    doc = {
        "@context": context, "@type": "sc:Dataset", "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": name, "description": f"{manifest['num_samples']} procedural GLSL shader images for data-free "
                                     f"knowledge distillation (shaderkd shard format {manifest['format_version']}).",
        "license": sorted({licence_id(v) for v in used.values()}), "version": "1.0.0",
        "keywords": ["synthetic", "procedural", "shaders", "knowledge distillation"],
        **({"url": url} if url else {}),
        "distribution": shards + others + [
            {"@type": "cr:FileSet", "@id": "images", "name": "images", "containedIn": contained,
             "encodingFormat": "image/png", "includes": "*.png"},
            {"@type": "cr:FileSet", "@id": "records", "name": "records", "containedIn": contained,
             "encodingFormat": "application/json", "includes": "*.json"}],
        "recordSet": [{
            "@type": "cr:RecordSet", "@id": "samples", "name": "samples", "key": {"@id": "samples/key"},
            "field": [
                {"@type": "cr:Field", "@id": "samples/key", "name": "key", "dataType": "sc:Text",
                 "source": {"fileSet": {"@id": "images"}, "extract": {"fileProperty": "filename"},
                            "transform": {"regex": "^([0-9]{9})\\.png$"}}},
                {"@type": "cr:Field", "@id": "samples/image", "name": "image", "dataType": "sc:ImageObject",
                 "source": {"fileSet": {"@id": "images"}, "extract": {"fileProperty": "content"}}}]}],
    }
    return json.dumps(doc, indent=1) + "\n"
