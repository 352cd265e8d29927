"""Fetching shard sets from other machines: `http://`, `https://`, `file://`, and object stores
through fsspec (`s3://` with the `s3` extra, which installs s3fs; any other fsspec file system that
is installed).

HTTP goes through urllib3 (a pool per process, reused connections) with an explicit time-out on the
connection and on every read, so a server that stalls after its headers ends in an error, never a
hang. Retries are ours, not urllib3's, because a retry of a shard download must resume where the
last try stopped: a bounded number of tries with exponential back-off, each asking for the missing
bytes with `Range` (a server that answers 200 instead restarts the file). Every byte written is
hashed as it arrives; the caller renames the temporary file into place only after the size and the
sha256 both match the manifest. 404 and other client errors, an HTML page served in place of a
shard and a hash that does not match are not retried: they will not get better.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import time
import urllib.parse
import urllib.request
from pathlib import Path

from shards.manifest import MANIFEST, MAX_MANIFEST_BYTES, ShardFormatError

log = logging.getLogger(__name__)

SCHEMES = ("http", "https", "file")
CHUNK = 1 << 20


class FetchError(ShardFormatError):
    """A set or one of its files could not be fetched (server, network or local disk)."""


class _Transient(Exception):
    """A failure worth another try (time-out, connection reset, body cut short, 5xx, 429)."""


def is_url(location) -> bool:
    return isinstance(location, str) and "://" in location


def set_url(location: str) -> str:
    """The base URL of a set: accepts the set's URL with or without a trailing '/' or 'manifest.json'."""
    scheme = location.split("://", 1)[0].lower()
    if scheme not in SCHEMES:
        fsspec_class(location)     # an object store through fsspec, where its extra is installed
    base = location[: -len(MANIFEST)] if location.endswith("/" + MANIFEST) else location
    return base.rstrip("/")


def fsspec_class(url: str):
    """The fsspec file system of a URL's scheme (s3:// with shaderkd[s3], ...), or a FetchError saying what to install."""
    scheme = url.split("://", 1)[0].lower()
    try:
        import fsspec
        return fsspec.get_filesystem_class(scheme)
    except (ImportError, ValueError) as exc:
        extra = " (for s3://: pip install 'shaderkd[s3]')" if scheme in ("s3", "s3a") else ""
        raise FetchError(f"{url}: the {scheme}:// scheme needs an fsspec file system that is not available "
                         f"({exc}){extra}; or use http://, https:// or file://") from None


def file_path(url: str) -> Path:
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))


def disk_error(path: Path, exc: OSError) -> FetchError:
    what = {errno.ENOSPC: "the disk is full", errno.EROFS: "the file system is read-only",
            errno.EACCES: "permission denied", errno.EPERM: "permission denied",
            errno.EDQUOT: "the disk quota is exhausted"}.get(exc.errno, exc.strerror or str(exc))
    return FetchError(f"{path}: cannot write there ({what}); free some space or choose a writable directory "
                      f"(for the shard cache: set SHADERKD_CACHE)")


def _discard(r) -> None:
    """Give a response's connection back without reading a body we do not want (it is closed)."""
    try:
        r.close()
    finally:
        r.release_conn()


class Fetcher:
    """Downloads with time-outs, bounded retries with back-off, Range resume and streaming sha256.

    timeout: seconds to connect and seconds any single read may wait; retries: further tries after
    the first; backoff: seconds before the first retry, doubled after each.
    """

    def __init__(self, timeout: float = 30.0, retries: int = 4, backoff: float = 1.0):
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise ValueError("timeout must be positive, retries and backoff not negative")
        self.timeout, self.retries, self.backoff = timeout, retries, backoff
        self._pool = None

    @classmethod
    def from_env(cls) -> "Fetcher":
        """The fetcher of streamed sets: SHADERKD_HTTP_TIMEOUT (s) and SHADERKD_HTTP_RETRIES, or the defaults."""
        try:
            return cls(timeout=float(os.environ.get("SHADERKD_HTTP_TIMEOUT", 30)),
                       retries=int(os.environ.get("SHADERKD_HTTP_RETRIES", 4)))
        except ValueError as exc:
            raise FetchError(f"SHADERKD_HTTP_TIMEOUT / SHADERKD_HTTP_RETRIES: {exc}") from None

    def __getstate__(self):  # picklable for DataLoader workers: each process builds its own pool
        return {**self.__dict__, "_pool": None}

    @property
    def pool(self):
        if self._pool is None:
            import urllib3
            # redirects followed (hosted sets often redirect to a CDN); every other retry is ours
            retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5)
            self._pool = urllib3.PoolManager(retries=retries, timeout=urllib3.Timeout(connect=self.timeout,
                                                                                      read=self.timeout))
        return self._pool

    # -- the retry loop
    def _tries(self, url: str, what: str, attempt):
        for n in range(self.retries + 1):
            try:
                return attempt()
            except _Transient as exc:
                if n == self.retries:
                    raise FetchError(f"{url}: {what} failed {n + 1} times, the last time: {exc}. Check the URL and "
                                     f"the network and run the same command again (a pull resumes where it "
                                     f"stopped)") from None
                wait = self.backoff * 2 ** n
                log.warning("%s: %s (try %d of %d); retrying in %.1f s", url, exc, n + 1, self.retries + 1, wait)
                time.sleep(wait)

    def _request(self, url: str, start: int = 0):
        import urllib3
        headers = {"Range": f"bytes={start}-", "Accept-Encoding": "identity"} if start else {"Accept-Encoding": "identity"}
        try:
            r = self.pool.request("GET", url, headers=headers, preload_content=False)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Transient(f"{type(exc).__name__}: {exc}") from None
        if r.status >= 500 or r.status == 429:
            _discard(r)
            raise _Transient(f"the server answered {r.status} {r.reason}")
        if r.status not in (200, 206):
            _discard(r)
            raise FetchError(f"{url}: the server answered {r.status} {r.reason}; check the URL (a shard set's "
                             f"URL is the directory that holds its manifest.json)")
        if r.headers.get("Content-Type", "").lower().startswith("text/html"):
            _discard(r)
            raise FetchError(f"{url}: the server sent an HTML page (status {r.status}) where a file of the set was "
                             f"expected: a login page, a proxy's error page or a wrong URL. Open the URL in a "
                             f"browser to see what it serves")
        return r

    def _stream(self, r, url: str):
        import urllib3
        try:
            # read1: whatever has arrived, at most one socket read; so the bytes received before a
            # connection breaks are written (and resumed from), not lost inside a large read
            while True:
                block = r.read1(CHUNK)
                if not block:
                    break
                yield block
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _Transient(f"the body was cut short or stalled ({type(exc).__name__}: {exc})") from None
        finally:
            r.release_conn()

    # -- whole small files (the manifest)
    def get_bytes(self, url: str, limit: int = MAX_MANIFEST_BYTES) -> bytes:
        if url.startswith("file://"):
            path = file_path(url)
            try:
                with open(path, "rb") as f:
                    return f.read(limit + 1)
            except OSError as exc:
                raise FetchError(f"{url}: cannot read {path} ({exc.strerror})") from None

        if not url.split("://", 1)[0].lower() in ("http", "https"):
            def attempt():
                return b"".join(self._fsspec_blocks(url, 0, limit + 1))
            return self._tries(url, "reading", attempt)

        def attempt():
            r = self._request(url)
            body = b""
            for block in self._stream(r, url):
                body += block
                if len(body) > limit:
                    raise FetchError(f"{url}: more than {limit} bytes; this is not a shard set's manifest")
            return body
        return self._tries(url, "reading", attempt)

    # -- shards and other files of a set: resumable, checked
    def download(self, url: str, part: Path, size: int, sha256: str) -> None:
        """Fetch `url` into the temporary file `part` (resuming what it holds) and check it.

        Returns only when `part` holds exactly `size` bytes whose sha256 is `sha256`; raises FetchError
        otherwise, leaving a partial `part` to resume from (or none, when its bytes are wrong).
        """
        restarted = [False]

        def attempt():
            have = part.stat().st_size if part.exists() else 0
            if have > size:
                have = 0
            digest = hashlib.sha256()
            if have:
                with open(part, "rb") as f:
                    for block in iter(lambda: f.read(CHUNK), b""):
                        digest.update(block)
            if url.startswith("file://"):
                blocks, mode = self._file_blocks(url, have), "ab" if have else "wb"
            elif not url.startswith(("http://", "https://")):
                blocks, mode = self._fsspec_blocks(url, have), "ab" if have else "wb"
            else:
                r = self._request(url, have) if have < size else None
                if r is not None and r.status == 200 and have:
                    log.info("%s: the server ignored Range; restarting the file", url)
                    have, digest = 0, hashlib.sha256()
                elif r is not None and r.status == 206:
                    cr = r.headers.get("Content-Range", "")
                    if not cr.startswith(f"bytes {have}-"):
                        _discard(r)
                        raise _Transient(f"the server answered Range {have}- with Content-Range {cr!r}")
                mode = "ab" if have else "wb"
                blocks = self._stream(r, url) if r is not None else iter(())
            n = have
            try:
                with open(part, mode) as out:
                    for block in blocks:
                        if n + len(block) > size:
                            out.close()
                            part.unlink()
                            raise FetchError(f"{url}: more than the {size} bytes the manifest lists; the file on the "
                                             f"server is not the one the manifest names (a changed or wrong set)")
                        out.write(block)
                        digest.update(block)
                        n += len(block)
                    out.flush()
                    os.fsync(out.fileno())
            except OSError as exc:
                raise disk_error(part, exc) from None
            if n < size:
                raise _Transient(f"the body ended at {n} of {size} bytes")
            if digest.hexdigest() != sha256:
                part.unlink()
                if have and not restarted[0]:   # the kept partial file may be stale: one fresh try
                    restarted[0] = True
                    raise _Transient("the resumed file's sha256 did not match; starting it over")
                raise FetchError(f"{url}: sha256 is {digest.hexdigest()}, the manifest says {sha256}: the file on "
                                 f"the server is damaged or is not the one the manifest names. Nothing was kept; "
                                 f"tell the set's publisher, or pull from another mirror")
        self._tries(url, "downloading", attempt)

    def _fsspec_blocks(self, url: str, start: int, limit: int | None = None):
        """Blocks of an object-store file from byte `start` (a ranged read), via fsspec."""
        fs_class = fsspec_class(url)
        options = {}
        protocols = fs_class.protocol if isinstance(fs_class.protocol, (tuple, list)) else (fs_class.protocol,)
        if "s3" in protocols:
            # our retry loop resumes; botocore's own retries would hide stalls behind its back-off
            options = {"config_kwargs": {"connect_timeout": self.timeout, "read_timeout": self.timeout,
                                         "retries": {"max_attempts": 1}}}
        n = 0
        try:
            import fsspec
            fs, path = fsspec.core.url_to_fs(url, **options)
            with fs.open(path, "rb", block_size=CHUNK) as f:
                f.seek(start)
                while limit is None or n < limit:
                    block = f.read(CHUNK if limit is None else min(CHUNK, limit - n))
                    if not block:
                        break
                    n += len(block)
                    yield block
        except FileNotFoundError:
            raise FetchError(f"{url}: not found; check the URL (a shard set's URL is the folder that holds its "
                             f"manifest.json)") from None
        except PermissionError as exc:
            raise FetchError(f"{url}: access denied ({exc}); check the credentials for this store") from None
        except (FetchError, GeneratorExit):
            raise
        except Exception as exc:  # fsspec back-ends raise their own types (botocore, aiohttp, ...)
            raise _Transient(f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    def _file_blocks(url: str, start: int):
        path = file_path(url)
        try:
            f = open(path, "rb")
        except OSError as exc:
            raise FetchError(f"{url}: cannot read {path} ({exc.strerror})") from None
        with f:
            f.seek(start)
            yield from iter(lambda: f.read(CHUNK), b"")
