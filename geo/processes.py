"""Worker processes that never run the caller's main script.

``spawn`` starts a fresh interpreter and, by default, re-imports the parent's
``__main__`` in it. In the app that is the Streamlit page (it would run the
page in every worker), and under a test runner it can be any script run
before. :func:`spawn_context` gives a ``spawn`` context whose workers skip
that step; the upload readers' pool and the report batches' pool use it.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import threading
from multiprocessing import popen_spawn_posix, spawn
from typing import Any

_LAUNCH_LOCK = threading.Lock()


class _WorkerPopen(popen_spawn_posix.Popen):
    """Starts a worker without running the server's main script in it.

    ``spawn`` normally re-imports ``__main__`` in the child; in the app that is
    the Streamlit page (it would run the page), so it is left out.
    """

    def _launch(self, process_obj: Any) -> None:
        with _LAUNCH_LOCK:
            original = spawn.get_preparation_data

            def without_main(name: str) -> dict[str, Any]:
                data = original(name)
                data.pop("init_main_from_name", None)
                data.pop("init_main_from_path", None)
                return data

            spawn.get_preparation_data = without_main
            try:
                super()._launch(process_obj)  # type: ignore[misc]  # typeshed lacks the private _launch
            finally:
                spawn.get_preparation_data = original


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _WorkerPopen(process_obj)


class _WorkerContext(multiprocessing.context.SpawnContext):
    Process = _WorkerProcess


def spawn_context() -> multiprocessing.context.SpawnContext:
    """A ``spawn`` context whose workers do not re-run the parent's main script."""
    return _WorkerContext()
