"""Tally 100,000 approval ballots in-process with Khối 8's procedure, against a plain Python
count (collections.Counter) of the same ballots in the same run (issue 4)."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter

from core.voting import CouncilVote, PollContext, PollDefinition

BALLOTS = 100_000
MEMBERS = tuple(f"so-{i:02d}" for i in range(14))


def timed(fn, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    rng = random.Random(2021)
    procedure = CouncilVote(poll_definitions=(PollDefinition("bang-khen", "Bằng khen", seats=2),),
                            quorum="0", threshold="1/20", threshold_base="voters")
    ctx = PollContext(members=MEMBERS, scores={m: float(i) for i, m in enumerate(MEMBERS)})
    poll = procedure.polls(ctx)[0]
    ballots = [rng.sample(MEMBERS, rng.randint(1, 2)) for _ in range(BALLOTS)]

    def plain():
        return Counter(c for b in ballots for c in b)

    result = procedure.tally(poll, ballots, ctx)
    expected = plain()
    assert {c["candidate"]: c["votes"] for c in result.counts} == {
        m: expected.get(m, 0) for m in MEMBERS}, "tally disagrees with the plain count"
    baseline = timed(plain)
    tally = timed(lambda: procedure.tally(poll, ballots, ctx))
    print(f"\nTally of {BALLOTS:,} approval ballots, {len(MEMBERS)} candidates (median of 5)")
    print(f"  plain Counter (baseline)   {baseline * 1000:8.1f} ms   1.0×")
    print(f"  CouncilVote.tally          {tally * 1000:8.1f} ms   {tally / baseline:.1f}×")
    print(f"  counts checked equal; elected: {', '.join(result.elected)}")


if __name__ == "__main__":
    main()
