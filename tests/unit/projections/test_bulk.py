"""The collector pause leaves the garbage collector as it found it, whatever happens."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from parcours.projections.bulk import no_cyclic_collection


@pytest.fixture
def collector_state() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


@pytest.mark.usefixtures("collector_state")
@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("fails", [False, True])
def test_the_collector_is_paused_then_left_as_it_was(enabled: bool, fails: bool) -> None:
    (gc.enable if enabled else gc.disable)()

    def build() -> None:
        with no_cyclic_collection():
            assert not gc.isenabled()
            if fails:
                raise RuntimeError("a fold failed")

    if fails:
        with pytest.raises(RuntimeError):
            build()
    else:
        build()
    assert gc.isenabled() is enabled
