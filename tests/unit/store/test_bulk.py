"""The collector paused for a batch's length is resumed as it was (store/bulk.py)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from parcours.store.bulk import paused_collector


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    running = gc.isenabled()
    yield
    (gc.enable if running else gc.disable)()


def test_paused_then_resumed() -> None:
    gc.enable()
    with paused_collector():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_uses_resume_at_the_outermost_end_only() -> None:
    gc.enable()
    with paused_collector():
        with paused_collector():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_the_embedding_service_turned_off_stays_off() -> None:
    gc.disable()
    with paused_collector():
        pass
    assert not gc.isenabled()


@pytest.mark.parametrize("enabled", [True, False])
def test_left_as_it_was_after_a_failure(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    seen = []

    def fold() -> None:
        with paused_collector():
            seen.append(gc.isenabled())
            raise RuntimeError("a fold failed")

    with pytest.raises(RuntimeError):
        fold()
    assert seen == [False]
    assert gc.isenabled() is enabled


def test_two_threads_resume_when_the_last_one_ends() -> None:
    gc.enable()
    inside = threading.Barrier(2)
    first_done = threading.Event()

    def first() -> None:
        with paused_collector():
            inside.wait()
        first_done.set()

    thread = threading.Thread(target=first)
    thread.start()
    with paused_collector():
        inside.wait()
        first_done.wait(5)
        assert not gc.isenabled()  # the other thread ended; this batch still runs
    thread.join()
    assert gc.isenabled()
