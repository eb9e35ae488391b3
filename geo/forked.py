"""Run a producer in a forked child process while this process consumes what it yields.

Why: a large import is CPU work in two halves that cannot share one core well — reading and
validating (pandas, pyarrow) and writing (SQLite's ``executemany``, which takes and releases the
GIL for every row, so a writer thread convoys with a validating thread). In a child process the
validation of chunk *n + 1* runs on the second core while this process writes chunk *n*.

The child is forked, so it starts with this process's memory (the loaded modules, the area
layer, the ids already stored) without importing anything again. It never touches the database:
it only reads the file, validates and sends pickled results through a pipe. The pipe holds one
message, so the child is at most one chunk ahead and memory stays bounded. A ``GeoError`` in the
child is raised again here with its message; any other exception is raised here as a
``ChildFailed`` carrying the child's traceback.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from geo.errors import GeoError

ProgressCallback = Callable[[float, str], None]


class ChildFailed(RuntimeError):
    """The child process raised something other than a ``GeoError``, or died."""


def fork_available() -> bool:
    """Whether this platform can fork (Linux and other POSIX systems; not Windows)."""
    return "fork" in multiprocessing.get_all_start_methods()


class ChildProducer:
    """Iterate over what ``produce`` yields in a child; afterwards ``result`` is ``finish()``.

    ``produce`` gets a progress callback whose calls are forwarded to ``say`` in this process.
    ``finish`` runs in the child after ``produce`` is exhausted; its (picklable) value is the
    final state this process needs, e.g. the validation report.
    """

    def __init__(
        self,
        produce: Callable[[ProgressCallback], Iterator[Any]],
        finish: Callable[[], Any],
        say: ProgressCallback,
    ) -> None:
        self._produce, self._finish, self._say = produce, finish, say
        self.result: Any = None

    def __iter__(self) -> Iterator[Any]:
        """Start the child and yield what it produces, in order, until it finishes."""
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=self._run_child, args=(sender,), daemon=True)
        child.start()
        sender.close()  # the child holds the only writing end: EOF here when it ends
        try:
            while True:
                try:
                    kind, *payload = receiver.recv()
                except EOFError:
                    child.join(timeout=10)
                    raise ChildFailed(
                        f"valideringsprocessen avslutades utan svar (kod {child.exitcode})"
                    ) from None
                if kind == "item":
                    yield payload[0]
                elif kind == "progress":
                    self._say(*payload)
                elif kind == "done":
                    self.result = payload[0]
                    return
                elif kind == "geo_error":
                    raise payload[0]
                else:
                    raise ChildFailed(f"fel i valideringsprocessen:\n{payload[0]}")
        finally:
            receiver.close()
            if child.is_alive():
                child.terminate()
            child.join()

    def _run_child(self, sender: Any) -> None:
        """Produce, send and finish in the child, leaving with ``os._exit``.

        Nothing of the parent's (database connections, atexit handlers, server threads) is closed or
        run here.
        """
        code = 0
        try:

            def progress(fraction: float, message: str) -> None:
                sender.send(("progress", fraction, message))

            for item in self._produce(progress):
                sender.send(("item", item))
            sender.send(("done", self._finish()))
        except GeoError as error:
            try:
                sender.send(("geo_error", _picklable(error)))
            except BaseException:
                code = 1
        except BaseException:
            code = 1
            with contextlib.suppress(BaseException):  # the parent then sees EOF: ChildFailed
                sender.send(("failed", traceback.format_exc()))
        finally:
            try:
                sender.close()
            finally:
                os._exit(code)


def _picklable(error: GeoError) -> GeoError:
    """Return the error if it survives pickling, else a plain ``GeoError`` with its message."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object, never outside data
        return error
    except Exception:
        return GeoError(str(error))
