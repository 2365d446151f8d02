"""Hold back what native code (TensorFlow's C++ logging, the TFLite converter, LiteRT) writes
straight to the process's stdout and stderr: lines a student cannot act on. Shown if it fails."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def quiet_native_output():
    """Hold back what C++ code writes to stdout/stderr (the TFLite converter prints ~30 lines of
    "Saved artifact…", "Captures…" that mean nothing to a student); shown only if it fails."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode(errors="replace")[-4000:])
            raise
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
