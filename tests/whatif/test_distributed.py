"""The same sweep on a 2-worker Dask LocalCluster and in this process gives the same results."""

from __future__ import annotations

import pandas as pd
import pytest

from allocator.whatif.sweep import sweep
from tests.whatif.cases import live_case

pytest.importorskip("dask.distributed")


@pytest.mark.slow
def test_local_cluster_equals_in_process():
    scenario, geography = live_case()
    vary = {"envelopes.resource.2027": "3000:3400:10", "rules.guarantee.phi": "0.9,0.95"}
    here = sweep(scenario, vary, geography=geography, block=4)
    there = sweep(scenario, vary, geography=geography, block=4, workers=2)
    assert len(here.variant_list) == 20
    columns = [c for c in here.summary().columns if c not in ("seconds", "warm")]
    pd.testing.assert_frame_equal(there.summary()[columns], here.summary()[columns])
    for name in ("totals", "shadow_prices", "area_totals", "binding", "value"):
        a = getattr(here, name).sort_values(list(getattr(here, name).columns[:3])).reset_index(drop=True)
        b = getattr(there, name).sort_values(list(getattr(there, name).columns[:3])).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b)
    assert there.base["V"] == here.base["V"]


def _memory_and_threads() -> dict[str, str | None]:
    import os

    return {name: os.environ.get(name) for name in ("MALLOC_TRIM_THRESHOLD_", "OPENBLAS_NUM_THREADS")}


@pytest.mark.slow
def test_local_workers_keep_glibc_memory_settings_and_one_blas_thread(monkeypatch):
    # Dask's own default (MALLOC_TRIM_THRESHOLD_=65536) made every warm re-solve 1.6x slower
    from dask.distributed import Client

    from allocator.whatif.distributed import local_cluster

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with local_cluster(1) as cluster, Client(cluster) as client:
        seen = client.submit(_memory_and_threads, pure=False).result()
    assert seen == {"MALLOC_TRIM_THRESHOLD_": None, "OPENBLAS_NUM_THREADS": "1"}
