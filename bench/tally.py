"""Tally 100,000 approval ballots in-process with Khối 8's procedure, against a plain Python
count (collections.Counter) of the same ballots in the same run (issues 4 and 15).

Issue 15's target: the tally takes at most 3× the plain count. The run makes 3 repetitions;
each times the plain count and the tally alternately (the median of 5 runs of each) and
gives their ratio; the ratio's min / median / max over the repetitions are printed, and the
target is met when the median ratio is at most 3×."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable

from core.voting import CouncilVote, PollContext, PollDefinition

BALLOTS = 100_000
MEMBERS = tuple(f"so-{i:02d}" for i in range(14))
REPETITIONS = 3
RUNS = 5  # runs of each side per repetition (their median)
TARGET = 3.0


def one_run(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def repetition(plain: Callable[[], object], tally: Callable[[], object]) -> tuple[float, float]:
    """The median time of the plain count and of the tally, their runs interleaved so that a
    burst of load on the machine falls on both."""
    base, ours = [], []
    for _ in range(RUNS):
        base.append(one_run(plain))
        ours.append(one_run(tally))
    return statistics.median(base), statistics.median(ours)


def main() -> None:
    rng = random.Random(2021)
    procedure = CouncilVote(poll_definitions=(PollDefinition("bang-khen", "Bằng khen", seats=2),),
                            quorum="0", threshold="1/20", threshold_base="voters")
    ctx = PollContext(members=MEMBERS, scores={m: float(i) for i, m in enumerate(MEMBERS)})
    poll = procedure.polls(ctx)[0]
    ballots = [rng.sample(MEMBERS, rng.randint(1, 2)) for _ in range(BALLOTS)]

    def plain() -> Counter[str]:
        return Counter(c for b in ballots for c in b)

    def tally() -> object:
        return procedure.tally(poll, ballots, ctx)

    result = procedure.tally(poll, ballots, ctx)
    expected = plain()
    assert {c["candidate"]: c["votes"] for c in result.counts} == {
        m: expected.get(m, 0) for m in MEMBERS}, "tally disagrees with the plain count"
    assert (result.voted, result.valid, result.invalid) == (BALLOTS, BALLOTS, 0)

    reps = [repetition(plain, tally) for _ in range(REPETITIONS)]
    ratios = sorted(ours / base for base, ours in reps)
    low, mid, high = ratios[0], statistics.median(ratios), ratios[-1]
    print(f"\nTally of {BALLOTS:,} approval ballots, {len(MEMBERS)} candidates "
          f"({REPETITIONS} repetitions, each the median of {RUNS} runs per side)")
    for i, (base, ours) in enumerate(reps, 1):
        print(f"  repetition {i}: plain Counter {base * 1000:7.1f} ms   "
              f"CouncilVote.tally {ours * 1000:7.1f} ms   {ours / base:.2f}×")
    print(f"  ratio tally / Counter: min {low:.2f}×   median {mid:.2f}×   max {high:.2f}×")
    verdict = "met" if mid <= TARGET else "NOT met"
    print(f"  target ≤ {TARGET:g}× (median ratio): {verdict}"
          + ("" if high <= TARGET else f" (the slowest repetition, {high:.2f}×, is above it)"))
    print(f"  counts checked equal; elected: {', '.join(result.elected)}")


if __name__ == "__main__":
    main()
