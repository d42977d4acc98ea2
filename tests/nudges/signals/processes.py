"""What the signals tests share about reading a model in another process."""

from __future__ import annotations

import ast
import os
import pickle
import subprocess
import sys


def in_another_process(model: object, call: str) -> object:
    """``eval(call)`` with ``model`` bound to a pickled copy of ``model``, in a fresh Python
    process with another string-hash seed (the keys of the learned models are hashes of the
    process that builds them), as a Python literal."""
    script = (
        f"import pickle, sys; model = pickle.loads(sys.stdin.buffer.read()); print(repr({call}))"
    )
    found = subprocess.run(
        [sys.executable, "-c", script],
        input=pickle.dumps(model),
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        check=True,
        timeout=120,
    )
    return ast.literal_eval(found.stdout.decode())
