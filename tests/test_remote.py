"""Pulling and streaming shard sets over HTTP, against a loopback server with one fault per test.

The server (http.server on 127.0.0.1, a thread) serves a directory and can, per file name: answer
404 or 500 (always, or the first N times), stall after its headers, cut the body short, ignore
Range, serve other bytes, or serve an HTML page with status 200. Time-outs are 1 s, so every fault
ends within seconds.
"""
from __future__ import annotations

import errno
import hashlib
import http.server
import json
import threading
import time

import pytest
from click.testing import CliRunner

from render.verify import verify_set
from shards import format as fmt
from shards.cache import RemoteShards, ShardCache, open_set
from shards.manifest import MANIFEST
from shards.pull import pull
from shards.remote import FetchError, Fetcher
from test_shardset import write_random_set
from train.shardset import ShardSet

FAST = dict(timeout=1.0, retries=2, backoff=0.05)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        name = self.path.lstrip("/").split("/", 1)[-1] if self.path.count("/") > 1 else self.path.lstrip("/")
        srv.requests.append((self.path, self.headers.get("Range")))
        fault = srv.faults.get(name)
        times = srv.fault_times.get(name)
        if fault and times is not None:
            if times <= 0:
                fault = None
            else:
                srv.fault_times[name] = times - 1
        if fault == "redirect":       # to the same file under /mirror/ (a CDN, say)
            self.send_response(302)
            self.send_header("Location", "/mirror" + self.path)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        path = srv.root / self.path.lstrip("/").removeprefix("mirror/")
        if fault == "404" or not path.is_file():
            return self._send(404, b"not found")
        if fault == "500":
            return self._send(500, b"oops")
        if fault == "html":
            return self._send(200, b"<!doctype html><html><body>Please log in</body></html>", "text/html; charset=utf-8")
        data = path.read_bytes()
        if fault == "wrong-bytes":
            data = bytes(b ^ 0x55 for b in data)
        start = 0
        rng = self.headers.get("Range")
        if rng and fault != "ignore-range" and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
        body = data[start:]
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if fault == "stall":
            time.sleep(4)
            return
        if fault == "cut":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def _send(self, status, body, ctype="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server(tmp_path):
    """(base URL of the served root, server): files under server.root; faults per file name."""
    root = tmp_path / "www"
    root.mkdir()
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    srv.root, srv.faults, srv.fault_times, srv.requests = root, {}, {}, []
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def published(server):
    """A 40-image set (4 shards) served at URL/set."""
    base, srv = server
    write_random_set(srv.root / "set", count=40, shard_size=10, size=8)
    return f"{base}/set", srv


def fault(srv, name, kind, times=None):
    srv.faults[name] = kind
    if times is not None:
        srv.fault_times[name] = times


def test_pull_mirrors_a_set_that_verify_accepts(published, tmp_path):
    url, srv = published
    manifest = pull(url + "/", tmp_path / "got", fetcher=Fetcher(**FAST))
    assert (tmp_path / "got" / MANIFEST).read_bytes() == (srv.root / "set" / MANIFEST).read_bytes()
    assert not (tmp_path / "got" / ".pull").exists() and manifest["num_samples"] == 40
    assert verify_set(tmp_path / "got").ok
    # a second pull finds everything in place and fetches only the manifest
    n = len(srv.requests)
    pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert [p for p, _ in srv.requests[n:]] == ["/set/manifest.json"]


def test_redirects_are_followed(published, tmp_path):
    url, srv = published
    fault(srv, MANIFEST, "redirect")
    fault(srv, "shard-000001.tar", "redirect")
    pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert ("/mirror/set/shard-000001.tar", None) in srv.requests and verify_set(tmp_path / "got").ok


def test_manifest_pin(published, tmp_path):
    url, srv = published
    digest = hashlib.sha256((srv.root / "set" / MANIFEST).read_bytes()).hexdigest()
    with pytest.raises(FetchError, match=f"--sha256 pins {'0' * 64}"):
        pull(url, tmp_path / "a", sha256="0" * 64, fetcher=Fetcher(**FAST))
    assert not (tmp_path / "a").exists()
    pull(url, tmp_path / "b", sha256=digest.upper(), fetcher=Fetcher(**FAST))


def test_404_is_not_retried_and_leaves_no_set(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000002.tar", "404")
    with pytest.raises(FetchError, match=r"set/shard-000002.tar: the server answered 404"):
        pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert [p for p, _ in srv.requests].count("/set/shard-000002.tar") == 1
    assert not (tmp_path / "got" / MANIFEST).exists() and not (tmp_path / "got" / "shard-000002.tar").exists()


def test_500_that_persists_is_retried_then_fails(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000001.tar", "500")
    with pytest.raises(FetchError, match=r"shard-000001.tar: downloading failed 3 times, the last time: the server answered 500"):
        pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert [p for p, _ in srv.requests].count("/set/shard-000001.tar") == 3


def test_500_that_clears_succeeds(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000001.tar", "500", times=2)
    fault(srv, MANIFEST, "500", times=1)
    pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert verify_set(tmp_path / "got").ok


def test_a_server_that_stalls_times_out(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000000.tar", "stall")
    t = time.monotonic()
    with pytest.raises(FetchError, match=r"shard-000000.tar: downloading failed 2 times.*(timed out|stalled)"):
        pull(url, tmp_path / "got", fetcher=Fetcher(timeout=1.0, retries=1, backoff=0.05))
    assert time.monotonic() - t < 8
    assert not (tmp_path / "got" / "shard-000000.tar").exists()


def test_a_body_cut_short_resumes_with_range(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000003.tar", "cut", times=1)
    pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    tries = [r for p, r in srv.requests if p == "/set/shard-000003.tar"]
    assert tries[0] is None and tries[1].startswith("bytes=") and int(tries[1][6:-1]) > 0
    assert verify_set(tmp_path / "got").ok


def test_an_interrupted_pull_resumes_where_it_stopped(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000003.tar", "cut")
    with pytest.raises(FetchError, match="the body was cut short|the body ended at"):
        pull(url, tmp_path / "got", fetcher=Fetcher(timeout=1.0, retries=0))
    part = tmp_path / "got" / ".pull" / "shard-000003.tar.part"
    assert part.is_file() and part.stat().st_size > 0
    assert not (tmp_path / "got" / "shard-000003.tar").exists() and not (tmp_path / "got" / MANIFEST).exists()
    kept = part.stat().st_size
    srv.faults.clear()
    n = len(srv.requests)
    pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert srv.requests[n:] == [("/set/manifest.json", None), ("/set/shard-000003.tar", f"bytes={kept}-")]
    assert verify_set(tmp_path / "got").ok


def test_a_server_that_ignores_range_restarts_the_file(published, tmp_path):
    url, srv = published
    pull_dir = tmp_path / "got"
    fault(srv, "shard-000003.tar", "cut")
    with pytest.raises(FetchError):
        pull(url, pull_dir, fetcher=Fetcher(timeout=1.0, retries=0))
    srv.faults["shard-000003.tar"] = "ignore-range"
    pull(url, pull_dir, fetcher=Fetcher(**FAST))
    tries = [r for p, r in srv.requests if p == "/set/shard-000003.tar"]
    assert tries[-1] is not None          # asked for the rest; got 200 and the whole file; restarted
    assert verify_set(pull_dir).ok


def test_bytes_that_do_not_match_the_manifest_are_not_kept(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000001.tar", "wrong-bytes")
    with pytest.raises(FetchError, match=r"shard-000001.tar: sha256 is [0-9a-f]{64}, the manifest says [0-9a-f]{64}"):
        pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert not (tmp_path / "got" / "shard-000001.tar").exists()
    assert not (tmp_path / "got" / ".pull" / "shard-000001.tar.part").exists()


def test_an_html_page_in_place_of_a_shard(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000000.tar", "html")
    with pytest.raises(FetchError, match=r"shard-000000.tar: the server sent an HTML page \(status 200\)"):
        pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))


@pytest.mark.parametrize("change,message", [
    (lambda m: b"this is not json", "not valid JSON"),
    (lambda m: json.dumps({**m, "format_version": 9}).encode(), "format version 9 is newer"),
    (lambda m: json.dumps({**m, "shards": [{**m["shards"][0], "name": "../../etc/passwd"}] + m["shards"][1:]}).encode(),
     "not a plain shard name"),
])
def test_bad_manifests_are_refused_before_any_shard(published, tmp_path, change, message):
    url, srv = published
    path = srv.root / "set" / MANIFEST
    path.write_bytes(change(json.loads(path.read_text())))
    with pytest.raises(fmt.ShardFormatError, match=message):
        pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert [p for p, _ in srv.requests] == ["/set/manifest.json"]
    assert not (tmp_path / "got").exists()


def test_pull_refuses_a_directory_holding_something_else(published, tmp_path):
    url, _ = published
    (tmp_path / "got").mkdir()
    (tmp_path / "got" / "notes.txt").write_text("mine")
    with pytest.raises(FetchError, match="holds files that are not part of the set"):
        pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))


def test_pull_from_a_file_url(tmp_path):
    src = write_random_set(tmp_path / "src", count=20, shard_size=10, size=8)
    pull(src.as_uri(), tmp_path / "got")
    assert verify_set(tmp_path / "got").ok


def test_pull_cli(published, tmp_path):
    from shaderkd.cli import main

    url, srv = published
    res = CliRunner().invoke(main, ["pull", url, str(tmp_path / "got"), "--timeout", "1", "--retries", "0"])
    assert res.exit_code == 0, res.output
    assert "40 samples in 4 shards" in res.output
    fault(srv, "shard-000000.tar", "404")
    res = CliRunner().invoke(main, ["pull", url, str(tmp_path / "other"), "--timeout", "1", "--retries", "0"])
    assert res.exit_code == 1 and "answered 404" in res.output and "Traceback" not in res.output


# ---------------------------------------------------------------------------------------------------
# Streaming through the content-keyed cache

def test_streamed_set_trains_from_the_cache(published, tmp_path):
    url, srv = published
    cache = ShardCache(tmp_path / "cache", max_bytes=1 << 30)
    manifest, source, name = open_set(url, cache=cache, fetcher=Fetcher(**FAST))
    remote = ShardSet(url, manifest=manifest, source=source, name=name)
    _, local = ShardSet(srv.root / "set").load()
    assert remote.name == "set" and (remote.load()[1] == local).all()
    n = len(srv.requests)
    remote.load()                                      # second pass: from the cache, no requests
    assert len(srv.requests) == n
    assert sorted(p.name for p in (tmp_path / "cache" / "sha256").glob("*/*")) == \
        sorted(s["sha256"] for s in manifest["shards"])


def test_two_sets_with_the_same_shard_names_never_share_bytes(server, tmp_path):
    base, srv = server
    write_random_set(srv.root / "a", count=10, shard_size=10, size=8, seed=1)
    write_random_set(srv.root / "b", count=10, shard_size=10, size=8, seed=2)
    cache = ShardCache(tmp_path / "cache", max_bytes=1 << 30)
    images = []
    for s in ("a", "b"):
        m, source, name = open_set(f"{base}/{s}", cache=cache, fetcher=Fetcher(**FAST))
        images.append(ShardSet(f"{base}/{s}", manifest=m, source=source, name=name).load()[1])
    assert not (images[0] == images[1]).all()
    assert (images[1] == ShardSet(srv.root / "b").load()[1]).all()


def test_streaming_by_url_with_the_default_cache(published, tmp_path, monkeypatch):
    url, _ = published
    monkeypatch.setenv("SHADERKD_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("SHADERKD_HTTP_TIMEOUT", "1")
    s = ShardSet(url)
    assert s.num_samples == 40 and s.split(1)[1].load()[0].tolist() == list(range(30, 40))


def test_streamed_damaged_shard_is_named(published, tmp_path):
    url, srv = published
    fault(srv, "shard-000002.tar", "wrong-bytes")
    cache = ShardCache(tmp_path / "cache", max_bytes=1 << 30)
    m, source, name = open_set(url, cache=cache, fetcher=Fetcher(**FAST))
    with pytest.raises(FetchError, match=r"set/shard-000002.tar: sha256 is .* the manifest says"):
        ShardSet(url, manifest=m, source=source, name=name).load()
    assert not list((tmp_path / "cache").rglob("*.part"))


def test_cache_evicts_least_recently_used(published, tmp_path):
    url, srv = published
    sizes = [(srv.root / "set" / fmt.shard_name(k)).stat().st_size for k in range(4)]
    cache = ShardCache(tmp_path / "cache", max_bytes=max(sizes) * 2 + 10)
    m, _, _ = open_set(url, fetcher=Fetcher(**FAST))
    remote = RemoteShards(url, cache, Fetcher(**FAST))
    for entry in m["shards"]:
        with remote.open(entry) as f:
            f.read()
    kept = sorted(p.name for p in (tmp_path / "cache" / "sha256").glob("*/*"))
    assert kept == sorted(s["sha256"] for s in m["shards"][2:])
    with pytest.raises(FetchError, match="does not fit in the shard cache"):
        ShardCache(tmp_path / "tiny", max_bytes=100).get(f"{url}/x", m["shards"][0], Fetcher(**FAST))


def test_cache_that_cannot_be_written(published, tmp_path, monkeypatch):
    url, _ = published
    (tmp_path / "afile").write_text("x")
    m, _, _ = open_set(url, fetcher=Fetcher(**FAST))
    blocked = RemoteShards(url, ShardCache(tmp_path / "afile" / "cache"), Fetcher(**FAST))
    with pytest.raises(FetchError, match="afile/cache/sha256/.*: cannot write there"):
        blocked.open(m["shards"][0])

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    cache = ShardCache(tmp_path / "cache")
    monkeypatch.setattr("shards.remote.os.fsync", full)
    with pytest.raises(FetchError, match=r"cannot write there \(the disk is full\)"):
        RemoteShards(url, cache, Fetcher(**FAST)).open(m["shards"][0])
    assert not list((tmp_path / "cache").rglob("*.part")) and not list((tmp_path / "cache").rglob("*/*/*"))


def test_verify_a_remote_set(published, tmp_path, monkeypatch):
    url, srv = published
    monkeypatch.setenv("SHADERKD_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv("SHADERKD_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("SHADERKD_HTTP_RETRIES", "0")
    report = verify_set(url)
    assert report.ok and report.samples_checked == 40
    fault(srv, "shard-000001.tar", "wrong-bytes")
    (tmp_path / "c").rename(tmp_path / "c-old")      # empty cache: fetch again
    report = verify_set(url)
    assert not report.ok and len(report.problems) == 1 and report.problems[0].startswith("shard-000001.tar: sha256")


def test_preview_by_url(published, tmp_path, monkeypatch):
    from shaderkd.cli import main

    url, _ = published
    monkeypatch.setenv("SHADERKD_CACHE", str(tmp_path / "c"))
    res = CliRunner().invoke(main, ["preview", url, "--out", str(tmp_path / "sheet.png"), "-n", "16"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "sheet.png").stat().st_size > 0


def _load_in_child(url, cache_root, queue):
    import os
    os.environ["SHADERKD_CACHE"], os.environ["SHADERKD_HTTP_TIMEOUT"] = cache_root, "2"
    queue.put(ShardSet(url).load()[1].sum().item())


def test_several_processes_share_one_cache(published, tmp_path):
    import multiprocessing as mp

    url, srv = published
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_load_in_child, args=(url, str(tmp_path / "c"), queue)) for _ in range(3)]
    for p in procs:
        p.start()
    sums = [queue.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs) and len(set(sums)) == 1
    assert sums[0] == ShardSet(srv.root / "set").load()[1].sum().item()
    files = list((tmp_path / "c" / "sha256").glob("*/*"))
    assert len(files) == 4 and not [f for f in files if f.name.endswith(".part")]


# ---------------------------------------------------------------------------------------------------
# Object stores through fsspec: S3 (the `s3` extra) against moto's S3 server on 127.0.0.1

@pytest.fixture(scope="module")
def s3_server():
    moto_server = pytest.importorskip("moto.server", reason="moto (a dev dependency) is not installed")
    pytest.importorskip("s3fs", reason="the s3 extra (s3fs) is not installed")
    srv = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    env = {"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    yield env
    srv.stop()


@pytest.fixture
def s3_set(s3_server, tmp_path, monkeypatch):
    import boto3

    for k, v in s3_server.items():
        monkeypatch.setenv(k, v)
    src = write_random_set(tmp_path / "set", count=20, shard_size=10, size=8)
    bucket = f"lab-{tmp_path.name.lower().replace('_', '-')[-40:]}"
    client = boto3.client("s3")
    client.create_bucket(Bucket=bucket)
    for p in src.iterdir():
        client.put_object(Bucket=bucket, Key=f"sets/set/{p.name}", Body=p.read_bytes())
    return f"s3://{bucket}/sets/set", src


def test_pull_and_stream_from_s3(s3_set, tmp_path):
    url, src = s3_set
    pull(url, tmp_path / "got", fetcher=Fetcher(**FAST))
    assert verify_set(tmp_path / "got").ok
    assert (tmp_path / "got" / MANIFEST).read_bytes() == (src / MANIFEST).read_bytes()
    cache = ShardCache(tmp_path / "cache", max_bytes=1 << 30)
    m, source, name = open_set(url, cache=cache, fetcher=Fetcher(**FAST))
    assert (ShardSet(url, manifest=m, source=source, name=name).load()[1] == ShardSet(src).load()[1]).all()


def test_s3_missing_set_is_named(s3_set, tmp_path):
    url, _ = s3_set
    with pytest.raises(FetchError, match=r"sets/nothing/manifest.json: not found"):
        pull(url.rsplit("/", 1)[0] + "/nothing", tmp_path / "got", fetcher=Fetcher(**FAST))


def test_unknown_scheme_says_what_to_install():
    with pytest.raises(FetchError, match="the nosuch:// scheme needs an fsspec file system"):
        pull("nosuch://x/set", "/tmp/never-made")


def test_curate_by_url(published, tmp_path, monkeypatch):
    from train.checkpoint import make_card, save_model
    from train.curate import curate
    from train.models import Normalized, create_model

    url, _ = published
    monkeypatch.setenv("SHADERKD_CACHE", str(tmp_path / "c"))
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    save_model(tmp_path / "teacher", Normalized(create_model("lenet5", 10, 1), [0.5], [0.1]),
               make_card("lenet5", [str(i) for i in range(10)], in_channels=1, input_size=28, mean=[0.5], std=[0.1],
                         trained_on="test"))
    report = curate(str(tmp_path / "teacher.json"), url, tmp_path / "cur", per_class=3)
    assert report["num_source"] == 40 and verify_set(tmp_path / "cur").ok
    records = [s.record for s in ShardSet(tmp_path / "cur").samples()]
    assert records and all(r["source"]["set"] == "set" for r in records)
