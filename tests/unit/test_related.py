"""related.compute: rare actors weigh more, nearness counts, bounded and deterministic."""

from briefgen import related
from tests.unit.dispatches import dispatch as d


def test_rare_actor_beats_ubiquitous_one():
    docs = [d(f"filler{i}", i, ["nato"]) for i in range(20)]
    docs += [d("a", 5, ["nato", "grushko"]), d("b", 6, ["nato", "grushko"]), d("c", 5, ["nato"])]
    result = related.compute(docs, 3)
    assert result["a"][0].slug == "b"
    assert result["a"][0].actors == ("nato", "grushko")


def test_nearness_in_time_counts():
    docs = [d("a", 0, ["x"]), d("near", 2, ["x"]), d("far", 200, ["x"])]
    assert [r.slug for r in related.compute(docs, 2)["a"]] == ["near", "far"]


def test_newer_dispatches_are_included_and_never_itself():
    docs = [d("old", 0, ["x"]), d("new", 10, ["x"])]
    result = related.compute(docs, 5)
    assert [r.slug for r in result["old"]] == ["new"]
    assert [r.slug for r in result["new"]] == ["old"]


def test_limit_zero_turns_it_off_and_results_are_bounded():
    docs = [d(f"s{i}", i, ["x"], ["t"]) for i in range(50)]
    assert related.compute(docs, 0) == {}
    result = related.compute(docs, 4)
    assert all(len(v) == 4 for v in result.values())


def test_deterministic_regardless_of_input_order():
    docs = [d(f"s{i}", i % 7, ["x", f"y{i % 3}"], ["t"]) for i in range(30)]
    assert related.compute(docs, 5) == related.compute(list(reversed(docs)), 5)


def test_work_is_bounded_when_one_actor_is_everywhere():
    docs = [d(f"s{i}", i // 10, ["everyone"]) for i in range(3000)]
    result = related.compute(docs, 5)  # would be 9 million pairs without the window
    assert len(result) == 3000 and all(len(v) == 5 for v in result.values())


def test_spread_over_processes_gives_the_same_links(monkeypatch):
    docs = [d(f"s{i}", i % 40, [f"a{i % 13}", f"b{i % 7}"], [f"t{i % 5}"], f"th{i % 9}") for i in range(300)]
    alone = related.compute(docs, 5)
    # as on a two-core machine with thousands of dispatches (the suite's other threads
    # would otherwise keep it in one process)
    monkeypatch.setattr(related.parallel, "worker_count", lambda items, per_worker: 2)
    forks = []
    real_fork_map = related.parallel.fork_map
    monkeypatch.setattr(related.parallel, "fork_map", lambda f, items, workers: forks.append(workers) or real_fork_map(f, items, workers))
    spread = related.compute(docs, 5)
    assert forks == [2]
    assert list(spread.items()) == list(alone.items())


def test_reasons():
    docs = [d("a", 0, ["x", "y"], ["t"], "th"), d("b", 3, ["y"], ["t"], "th")]
    (link,) = related.compute(docs, 5)["a"]
    assert (link.actors, link.topics, link.same_thread, link.days_apart) == (("y",), ("t",), True, 3)


def test_remembered_results_equal_fresh_ones_and_follow_changed_inputs(tmp_path):
    from briefgen.cache import RELATED_FILE, related_memo

    docs = [d(f"s{i}", i, ["x", f"a{i % 3}"], ["t"], "th" if i % 2 else None) for i in range(30)]
    memo = related_memo(tmp_path, "k")
    assert memo(docs, 4) == related.compute(docs, 4)
    assert (tmp_path / RELATED_FILE).exists()
    assert related_memo(tmp_path, "k")(docs, 4) == related.compute(docs, 4)  # read back
    moved = docs[:-1] + [d("s29", 2, ["y"])]
    assert related_memo(tmp_path, "k")(moved, 4) == related.compute(moved, 4)
    assert related_memo(tmp_path, "k")(moved, 2) == related.compute(moved, 2)


def test_a_corrupt_or_foreign_related_cache_is_recomputed(tmp_path):
    from briefgen.cache import RELATED_FILE, read_blob, related_memo, write_blob

    docs = [d(f"s{i}", i, ["x"]) for i in range(10)]
    related_memo(tmp_path, "k")(docs, 3)
    (tmp_path / RELATED_FILE).write_bytes(b"garbage")
    assert related_memo(tmp_path, "k")(docs, 3) == related.compute(docs, 3)
    related_memo(tmp_path, "k")(docs, 3)
    stored = read_blob(tmp_path / RELATED_FILE, "k")
    write_blob(tmp_path / RELATED_FILE, "k", {"inputs": stored["inputs"], "links": {"s0": [("s1",)]}})
    assert related_memo(tmp_path, "k")(docs, 3) == related.compute(docs, 3)
