"""SIGKILL processes while they save checkpoints: no file that exists may fail to load.

One server process imports lamina and builds the model once, then forks a fresh saver for every
kill (importing JAX 30 times would take minutes); each saver overwrites the same files in a loop
until the test kills it at a random moment."""

import os
import random
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import lamina

SERVER = r"""
import os, sys, warnings
warnings.simplefilter("ignore")
import lamina
from lamina import layers
model = lamina.Sequential([layers.Dense(512, input_shape=(512,)), layers.Dense(512),
                           layers.Dense(512), layers.Dense(10)])
model.compile(optimizer="adam", loss="mse")
directory = sys.argv[1]
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        i = 0
        while True:
            model.save(f"{directory}/good.keras")       # one file overwritten again and again
            model.save(f"{directory}/ckpt_{i % 3}.keras")
            model.save(f"{directory}/ckpt.h5")
            model.save_weights(f"{directory}/ckpt.weights.h5")
            i += 1
            print(f"saved {os.getpid()}", flush=True)
    print(f"pid {pid}", flush=True)
"""


def _build():
    return lamina.Sequential([lamina.layers.Dense(512, input_shape=(512,)),
                              lamina.layers.Dense(512), lamina.layers.Dense(512),
                              lamina.layers.Dense(10)])


def _line_reader(process) -> queue.Queue:
    """The server's output lines, read by a thread, so a wait can time out instead of hanging."""
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout],
                     daemon=True).start()
    return lines


def test_sigkill_during_saves_never_leaves_a_broken_file(tmp_path):
    rng = random.Random(0)
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(tmp_path)], text=True,
                              env={**os.environ, "JAX_PLATFORMS": "cpu"},
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    kills, completed, lines = 0, 0, _line_reader(server)
    try:
        for _ in range(30):
            server.stdin.write("go\n")
            server.stdin.flush()
            saver = None
            while saver is None:  # a saver killed mid-line can glue its text to the pid line
                line = lines.get(timeout=60)  # queue.Empty: the server stopped answering
                completed += line.count("saved")
                saver = re.search(r"pid (\d+)", line)
            time.sleep(rng.uniform(0.05, 0.6))
            os.kill(int(saver.group(1)), signal.SIGKILL)
            kills += 1
    finally:
        server.kill()
        server.wait()
    assert kills == 30 and completed > 0, (kills, completed)
    names = sorted(os.listdir(tmp_path))
    assert "good.keras" in names
    model = _build()
    for name in names:
        if name.startswith(".") and name.endswith(".tmp"):  # a killed writer's scratch file
            continue
        path = str(tmp_path / name)
        if name.endswith(".weights.h5"):
            model.load_weights(path)
        else:
            lamina.models.load_model(path)
