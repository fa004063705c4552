"""Several processes saving to one registry at once lose nothing and overwrite nothing.

Workers are started with the "spawn" method (a fresh interpreter each, as two notebooks
or a notebook and a CI job would be), and are module-level functions so that they can be
pickled by reference.
"""

import datetime as dt
import multiprocessing
import time

from hypokit._errors import RegistryError
from hypokit._records import Hypothesis, Learning, Objective, SegmentCriteria
from hypokit._registry import Registry

PER_PROCESS = 200
TIMEOUT = 60


def _hypothesis(hid, **kw):
    return Hypothesis(
        id=hid,
        change=f"try change {hid}",
        metric="converted",
        expected_effect=0.05,
        time_frame_days=14,
        criteria=[SegmentCriteria(segment="new", min_effect=0.02)],
        **kw,
    )


def save_many(path, prefix, count, start):
    """Save ``count`` new hypotheses, then update every tenth one; report failures."""
    registry = Registry(path)
    start.wait(TIMEOUT)
    for i in range(count):
        registry.save(_hypothesis(f"{prefix}-{i:04d}"))
    for i in range(0, count, 10):
        record = registry.get(f"{prefix}-{i:04d}", Hypothesis)
        registry.save(record.transition("planned"))
    return len(registry)


def race(path, title, rounds, start, results):
    """Each round: read the shared record, wait for the other worker, save a new title."""
    registry = Registry(path)
    for round_ in range(rounds):
        registry.reload()
        record = registry.get("checkout", Objective)
        start.wait(TIMEOUT)  # both have read the same version
        try:
            registry.save(record.model_copy(update={"title": f"{title} {round_}"}))
        except RegistryError as exc:
            results.put((round_, title, str(exc)))
        else:
            results.put((round_, title, "saved"))
        start.wait(TIMEOUT)  # both are done before the next round reads


def _run(ctx, target, args_list):
    procs = [ctx.Process(target=target, args=args) for args in args_list]
    for p in procs:
        p.start()
    for p in procs:
        p.join(TIMEOUT)
    for p in procs:
        if p.is_alive():  # pragma: no cover - only on a hang
            p.kill()
            p.join()
    assert [p.exitcode for p in procs] == [0] * len(procs)


def test_two_processes_saving_hundreds_of_records_lose_nothing(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    began = time.perf_counter()
    _run(ctx, save_many, [(tmp_path, "a", PER_PROCESS, start), (tmp_path, "b", PER_PROCESS, start)])
    registry = Registry(tmp_path)
    assert registry.errors == []
    ids = [h.id for h in registry.records(Hypothesis)]
    expected = sorted(f"{p}-{i:04d}" for p in "ab" for i in range(PER_PROCESS))
    assert ids == expected
    planned = [h.id for h in registry.records(Hypothesis) if h.status == "planned"]
    assert len(planned) == 2 * PER_PROCESS // 10
    files = list((tmp_path / "hypotheses").iterdir())
    assert len(files) == 2 * PER_PROCESS  # no temporary files left behind
    assert all(f.suffix == ".yaml" for f in files)
    assert time.perf_counter() - began < 20


def test_two_processes_saving_the_same_record_one_wins_and_the_other_is_told(tmp_path):
    Registry(tmp_path).save(Objective(id="checkout", title="Original", end=dt.date(2026, 12, 31)))
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(2)
    results = ctx.Queue()
    rounds = 10
    _run(ctx, race, [(tmp_path, "First", rounds, start, results),
                     (tmp_path, "Second", rounds, start, results)])  # fmt: skip
    outcomes = [results.get(timeout=TIMEOUT) for _ in range(2 * rounds)]
    last_saved = None
    for round_ in range(rounds):
        mine = [(title, outcome) for r, title, outcome in outcomes if r == round_]
        saved = [title for title, outcome in mine if outcome == "saved"]
        refused = [outcome for _, outcome in mine if outcome != "saved"]
        assert len(saved) == 1, mine
        assert len(refused) == 1, mine
        assert (
            "objectives/checkout.yaml changed on disk since this registry read it" in (refused[0])
        )
        last_saved = f"{saved[0]} {round_}"
    on_disk = Registry(tmp_path).get("checkout", Objective)
    assert on_disk.title == last_saved
    assert on_disk.end == dt.date(2026, 12, 31)


SHARED = """\
# shared by every worker: each appends its marks to segments
id: {id}
believed: b
observed: o  # kept through every save
learned: l
decision: pivot
evidence:
  - kind: ab_test
recorded: 2026-09-01
segments:
  - start
"""


def _learning(lid, **kw):
    return Learning(
        id=lid, believed="b", observed="o", learned="l", decision="pivot",
        evidence=[{"kind": "ab_test"}], recorded=dt.date(2026, 9, 1), **kw,
    )  # fmt: skip


def save_and_share(path, worker, count, shared, start):
    """Save ``count`` new learnings; after every fifth, append a mark to each shared one.

    A save refused because another worker changed the shared file since this registry
    read it is retried after reading the folder again, as a user would.
    """
    registry = Registry(path)
    start.wait(TIMEOUT)
    retries = 0
    for i in range(count):
        registry.save(_learning(f"w{worker}-{i:03d}"))
        if i % 5 != 4:
            continue
        for sid in shared:
            for _ in range(200):
                record = registry.get(sid, Learning)
                mark = f"w{worker}-{i:03d}"
                try:
                    registry.save(record.model_copy(update={"segments": [*record.segments, mark]}))
                    break
                except RegistryError as exc:
                    if "changed on disk since this registry read it" not in str(exc):
                        raise
                    retries += 1
                    registry.reload()
            else:  # pragma: no cover - starved
                raise AssertionError(f"worker {worker} never saved {sid}")
    return retries


def test_four_processes_saving_distinct_and_shared_records_lose_nothing(tmp_path):
    workers, count, shared = 4, 40, ["shared-a", "shared-b"]
    for sid in shared:
        (tmp_path / "learnings").mkdir(exist_ok=True)
        (tmp_path / "learnings" / f"{sid}.yaml").write_text(SHARED.format(id=sid))
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(workers)
    _run(ctx, save_and_share, [(tmp_path, w, count, shared, start) for w in range(workers)])
    registry = Registry(tmp_path)
    assert registry.errors == []
    mine = sorted(r.id for r in registry.records(Learning) if r.id not in shared)
    assert mine == sorted(f"w{w}-{i:03d}" for w in range(workers) for i in range(count))
    marks = sorted(f"w{w}-{i:03d}" for w in range(workers) for i in range(4, count, 5))
    for sid in shared:
        segments = registry.get(sid, Learning).segments
        assert segments[0] == "start"
        assert sorted(segments[1:]) == marks  # every append is there, none twice
        text = registry.path_of(sid).read_text()
        assert text.startswith("# shared by every worker")
        assert "observed: o  # kept through every save\n" in text
    names = [f.name for f in (tmp_path / "learnings").iterdir()]
    assert len(names) == workers * count + len(shared)  # no temporary files left behind
