"""``graphrisk serve`` as a user starts it: a real uvicorn process on a loopback port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from graphrisk.cli.main import main

STARTUP_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(url: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_serve_starts_answers_and_stops(serve_world, model_dir, request_body):
    port = _free_port()
    command = [sys.executable, "-m", "graphrisk", "serve", *serve_world.files("base.csv"),
               "--model", str(model_dir), "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, f"graphrisk serve exited: {server.stdout.read()}"
            try:
                status, health = _call(f"http://127.0.0.1:{port}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "graphrisk serve did not answer /health in time"
                time.sleep(0.5)
        assert status == 200 and health["users"] == len(serve_world.users)

        status, answer = _call(f"http://127.0.0.1:{port}/score", request_body(serve_world.arriving.iloc[0]))
        assert status == 200 and 0.0 <= answer["transaction_risk"] <= 1.0
        status, refused = _call(f"http://127.0.0.1:{port}/score", {"transaction_id": "T"})
        assert status == 422 and {e["loc"][1] for e in refused["detail"]} == {"timestamp", "user_id", "amount"}
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"serving on http://127.0.0.1:{port}" in output
    assert "Traceback" not in output


def test_serve_refuses_a_tiny_body_limit_in_one_line(serve_world, model_dir, capsys):
    assert main(["serve", *serve_world.files("base.csv"), "--model", str(model_dir), "--max-body", "10"]) == 1
    error = capsys.readouterr().err.strip()
    assert error.startswith("graphrisk serve: error: --max-body must be at least") and "\n" not in error


def test_building_the_command_line_does_not_import_torch():
    probe = "import sys; from graphrisk.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
