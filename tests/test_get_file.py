"""get_file against a real HTTP server on 127.0.0.1: cache, hashes, retries, errors, archives."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import socket
import tarfile
import threading
import zipfile

import pytest

from lamina.datasets import download
from lamina.datasets.archives import UnsafeArchiveError, extract_archive
from lamina.datasets.download import DownloadError, HashMismatchError, get_file
from lamina.utils import get_file as utils_get_file


class FileServer:
    """Serves `files[path] = bytes`; `fail[path] = [codes...]` answers those codes first;
    `truncate` holds paths whose body is cut in half under a full Content-Length."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.fail: dict[str, list[int]] = {}
        self.truncate: set[str] = set()
        self.hits: dict[str, int] = {}
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                if server.fail.get(path):
                    self.send_error(server.fail[path].pop(0))
                    return
                if path not in server.files:
                    self.send_error(404)
                    return
                body = server.files[path]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if path in server.truncate else body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def add(self, path: str, body: bytes) -> str:
        self.files[path] = body
        return self.url + path

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    srv = FileServer()
    yield srv
    srv.close()


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(download, "RETRY_DELAYS", (0.01,))
    return home


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(folder) -> list[str]:
    """Anything in the cache folder but the expected files: partial or temporary files."""
    return sorted(p.name for p in folder.rglob("*") if p.name.startswith("."))


def closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/data.npz"


def test_downloads_into_keras_home_and_reuses_the_cache(server, keras_home):
    body = os.urandom(200_000)
    url = server.add("/data.bin", body)
    path = get_file("data.bin", origin=url, file_hash=sha256(body))
    assert path == str(keras_home / "datasets" / "data.bin")
    assert open(path, "rb").read() == body
    assert get_file("data.bin", origin=url, file_hash=sha256(body)) == path
    assert server.hits["/data.bin"] == 1  # second call served from the cache
    get_file("data.bin", origin=url, force_download=True)
    assert server.hits["/data.bin"] == 2
    assert utils_get_file is get_file


def test_fname_defaults_to_url_and_cache_dir_subdir(server, tmp_path, keras_home):
    url = server.add("/sub/x.txt", b"hello")
    path = get_file(origin=url, cache_dir=str(tmp_path / "c"), cache_subdir="here")
    assert path == str(tmp_path / "c" / "here" / "x.txt")
    with pytest.raises(ValueError, match="cache_dir"):
        get_file("a/b.txt", origin=url)


def test_md5_and_stale_cache_is_redownloaded(server, keras_home, capsys):
    body = b"fresh contents"
    url = server.add("/f.json", body)
    target = keras_home / "datasets" / "f.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"stale")
    get_file("f.json", origin=url, file_hash=hashlib.md5(body).hexdigest())
    assert target.read_bytes() == body
    assert "does not match" in capsys.readouterr().out


def test_hash_mismatch_raises_and_leaves_nothing(server, keras_home):
    url = server.add("/data.npz", b"corrupted bytes")
    with pytest.raises(HashMismatchError) as info:
        get_file("data.npz", origin=url, file_hash="0" * 64, dataset="Toy")
    text = str(info.value)
    assert "Toy" in text and url in text and str(keras_home / "datasets" / "data.npz") in text
    assert isinstance(info.value, OSError) and isinstance(info.value, ValueError)
    assert not (keras_home / "datasets" / "data.npz").exists()
    assert leftovers(keras_home) == []


@pytest.mark.parametrize("code", [404, 500])
def test_http_errors_are_clear_and_leave_nothing(server, keras_home, code):
    server.fail["/data.npz"] = [code] * 5
    url = server.url + "/data.npz"
    with pytest.raises(DownloadError) as info:
        get_file("data.npz", origin=url, file_hash="0" * 64, dataset="Toy")
    text = str(info.value)
    assert f"HTTP error {code}" in text and url in text and "by hand" in text
    assert str(keras_home / "datasets" / "data.npz") in text
    assert server.hits["/data.npz"] == (1 if code == 404 else 3)  # 5xx is retried
    assert not (keras_home / "datasets" / "data.npz").exists() and leftovers(keras_home) == []


def test_transient_errors_are_retried(server, keras_home):
    body = b"eventually fine"
    url = server.add("/data.bin", body)
    server.fail["/data.bin"] = [503, 500]
    assert open(get_file("data.bin", origin=url, file_hash=sha256(body)), "rb").read() == body
    assert server.hits["/data.bin"] == 3


def test_truncated_download_is_refused(server, keras_home):
    url = server.add("/data.bin", os.urandom(100_000))
    server.truncate.add("/data.bin")
    with pytest.raises(DownloadError, match="closed after|connection broke"):
        get_file("data.bin", origin=url, dataset="Toy")  # no hash: the length check catches it
    assert not (keras_home / "datasets" / "data.bin").exists() and leftovers(keras_home) == []


def test_no_network_fails_fast_with_clear_error(keras_home):
    url = closed_port_url()
    with pytest.raises(DownloadError) as info:
        get_file("data.npz", origin=url, dataset="Toy")
    text = str(info.value)
    assert "no connection" in text and url in text and "offline" in text
    assert leftovers(keras_home) == []


def test_interrupted_download_does_not_poison_the_cache(server, keras_home, monkeypatch):
    body = os.urandom(300_000)
    url = server.add("/data.bin", body)
    real_fetch = download._fetch

    def interrupted(origin, path, timeout):
        with open(path, "wb") as out:
            out.write(body[:1000])
        raise KeyboardInterrupt

    monkeypatch.setattr(download, "_fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        get_file("data.bin", origin=url)
    assert not (keras_home / "datasets" / "data.bin").exists() and leftovers(keras_home) == []
    monkeypatch.setattr(download, "_fetch", real_fetch)
    assert open(get_file("data.bin", origin=url), "rb").read() == body


def make_tar(members: dict[str, bytes], links: dict[str, str] | None = None,
             mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buffer.getvalue()


def test_extracts_tar_with_keras_layout(server, keras_home):
    body = make_tar({"folder/a.txt": b"A", "folder/sub/b.txt": b"B"})
    url = server.add("/pack.tar.gz", body)
    path = get_file("pack-target", origin=url, extract=True, file_hash=sha256(body))
    assert path == str(keras_home / "datasets" / "pack-target")
    assert (keras_home / "datasets" / "pack-target_archive").exists()
    assert open(os.path.join(path, "folder", "sub", "b.txt"), "rb").read() == b"B"
    # A dotted fname is the archive name; the folder is <stem>_extracted, as in Keras.
    path = get_file("pack.tar.gz", origin=url, extract=True)
    assert path == str(keras_home / "datasets" / "pack_extracted")
    assert os.path.exists(os.path.join(path, "folder", "a.txt"))


def test_extracts_zip(server, keras_home):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("z/one.txt", "1")
    url = server.add("/z.zip", buffer.getvalue())
    path = get_file(origin=url, extract=True)
    assert open(os.path.join(path, "z", "one.txt")).read() == "1"


@pytest.mark.parametrize("members,links", [
    ({"../evil.txt": b"x"}, None),
    ({"ok/../../evil.txt": b"x"}, None),
    ({"/abs/evil.txt": b"x"}, None),
    ({"ok.txt": b"x"}, {"link": "/etc/passwd"}),
    ({"ok.txt": b"x"}, {"inner": "ok.txt"}),  # even a link inside the folder is refused
])
def test_unsafe_tar_is_refused(tmp_path, members, links):
    archive = tmp_path / "bad.tar.gz"
    archive.write_bytes(make_tar(members, links))
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="Refusing"):
        extract_archive(archive, target)
    assert not target.exists() and not (tmp_path / "evil.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.tar.gz"]


def test_unsafe_zip_is_refused(tmp_path):
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../evil.txt", "x")
    with pytest.raises(UnsafeArchiveError):
        extract_archive(archive, tmp_path / "out")
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("l")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="link"):
        extract_archive(link, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_not_an_archive_returns_false(tmp_path):
    plain = tmp_path / "plain.txt"
    plain.write_text("not an archive")
    assert extract_archive(plain, tmp_path / "out") is False
