"""Issue 15: the tally groups identical ballots before checking them. On seeded random
profiles full of repeated and invalid ballots, the grouped tally gives exactly the result of
the tally that checks ballot by ballot, and the counts of an independent count written here;
each distinct ballot is checked once."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter

import pytest

import core.voting.council as council_module
from core.voting import BallotRejected, CouncilVote, PollContext, PollDefinition, RankedVote

UNITS = tuple("abcdefg")
CTX = PollContext(members=UNITS, ranking=UNITS,
                  scores={u: float(10 - i) for i, u in enumerate(UNITS)})

PROCEDURES = {
    "approval-voters": CouncilVote(poll_definitions=(PollDefinition("p", "P", seats=2),),
                                   quorum="1/2", threshold="1/4", threshold_base="voters"),
    "approval-valid-blank": CouncilVote(
        poll_definitions=(PollDefinition("p", "P", seats=3, min_choices=2),),
        quorum="1/2", threshold="1/5", threshold_base="valid", allow_blank=True),
    "approval-top3-no-self": CouncilVote(
        poll_definitions=(PollDefinition("p", "P", seats=1, candidates="top:3"),),
        quorum="1/2", threshold="1/3", threshold_base="members", self_vote=False),
    "single": CouncilVote(poll_definitions=(PollDefinition("p", "P", method="single"),),
                          quorum="1/2", threshold="0", threshold_base="valid"),
    "ranked": RankedVote(poll_definitions=(PollDefinition("p", "P", method="ranked", seats=2,
                                                          min_choices=2, max_choices=4),),
                         quorum="1/2"),
    "ranked-blank": RankedVote(poll_definitions=(PollDefinition("p", "P", method="ranked",
                                                                seats=1, max_choices=3),),
                               quorum="1/2", allow_blank=True),
}
SEEDS = range(25)


def random_ballot(rng: random.Random, candidates: tuple[str, ...]) -> list[str]:
    """A ballot, valid or not: blank, too many or too few choices, a choice twice, a unit
    that is not a candidate, an invalid mark."""
    kind = rng.random()
    if kind < 0.08:
        return []
    if kind < 0.13:
        return ["x"]  # not a candidate (the paper count's invalid mark looks like this)
    pool = list(candidates) + (["z"] if kind < 0.2 else [])
    ballot = rng.sample(pool, rng.randint(1, min(len(pool), 5)))
    if kind > 0.93:
        ballot.append(ballot[0])  # the same unit twice
    return ballot


def random_profile(rng: random.Random, candidates: tuple[str, ...]) -> list[list[str]]:
    """Ballots drawn from a small pool of distinct ones (so most are repeated), shuffled, some
    as tuples, their count from none to a few thousand."""
    pool = [random_ballot(rng, candidates) for _ in range(rng.randint(1, 40))]
    ballots = [list(rng.choice(pool)) for _ in range(rng.choice([0, 1, 5, 60, 3000]))]
    return [tuple(b) if rng.random() < 0.1 else b for b in ballots]


def per_ballot(procedure, poll, ballots, ctx, monkeypatch):
    """The tally with grouping switched off: every ballot checked on its own."""
    with monkeypatch.context() as m:
        m.setattr(council_module, "grouped_ballots", lambda ballots: None)
        return procedure.tally(poll, ballots, ctx)


def independent_counts(procedure, poll, ballots) -> tuple[int, dict[str, int]]:
    """Valid ballots and each candidate's votes (Borda points for a ranked poll), ballot by
    ballot, without the tally's code."""
    valid = []
    for ballot in ballots:
        try:
            procedure.check_ballot(poll, "", list(ballot))
        except BallotRejected:
            continue
        valid.append(ballot)
    counts: Counter[str] = Counter()
    if poll.method == "ranked":
        first = max(len(poll.candidates) - 1, 1)
        for ballot in valid:
            for place, c in enumerate(ballot):
                counts[c] += first - place
    else:
        counts.update(c for ballot in valid for c in ballot)
    return len(valid), {c: counts[c] for c in sorted(poll.candidates)}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(PROCEDURES))
def test_the_grouped_tally_is_the_per_ballot_tally(name, seed, monkeypatch):
    rng = random.Random(f"{name}-{seed}")
    procedure = PROCEDURES[name]
    present = None if rng.random() < 0.5 else tuple(rng.sample(UNITS, rng.randint(0, 7)))
    if rng.random() < 0.3:
        procedure = dataclasses.replace(procedure, quorum_base="present")
    ctx = dataclasses.replace(CTX, present=present)
    poll = procedure.polls(ctx)[0]
    ballots = random_profile(rng, poll.candidates)

    grouped = procedure.tally(poll, ballots, ctx)

    assert grouped == per_ballot(procedure, poll, ballots, ctx, monkeypatch)
    valid, counts = independent_counts(procedure, poll, ballots)
    assert (grouped.voted, grouped.valid, grouped.invalid) == (
        len(ballots), valid, len(ballots) - valid)
    assert {c["candidate"]: c["votes"] for c in grouped.counts} == counts


def test_the_profiles_hold_repeats_and_invalid_ballots():
    """The random profiles above do test something: repeated ballots, and invalid ones."""
    procedure = PROCEDURES["approval-voters"]
    poll = procedure.polls(CTX)[0]
    repeated = invalid = 0
    for seed in SEEDS:
        ballots = random_profile(random.Random(f"approval-voters-{seed}"), poll.candidates)
        result = procedure.tally(poll, ballots, CTX)
        repeated += len(ballots) - len({tuple(b) for b in ballots})
        invalid += result.invalid
    assert repeated > 1000 and invalid > 100


@pytest.mark.parametrize("name", ["approval-voters", "ranked"])
def test_each_distinct_ballot_is_checked_once(name, monkeypatch):
    procedure = PROCEDURES[name]
    poll = procedure.polls(CTX)[0]
    ballots = [["a", "b"]] * 500 + [("b", "a")] * 300 + [["a", "a"]] * 200 + [["x"]] * 100
    checked: list[list[str]] = []
    check = type(procedure).check_ballot

    def counting(self, poll, voter, choices):
        checked.append(choices)
        return check(self, poll, voter, choices)

    monkeypatch.setattr(type(procedure), "check_ballot", counting)
    result = procedure.tally(poll, ballots, CTX)
    assert sorted(map(tuple, checked)) == [("a", "a"), ("a", "b"), ("b", "a"), ("x",)]
    assert (result.voted, result.valid, result.invalid) == (1100, 800, 300)


def test_a_ballot_that_is_not_a_list_is_checked_on_its_own(monkeypatch):
    """A string where a list was expected is not grouped with the list of its letters: with
    self-votes forbidden, ``"" in "ab"`` rejects it as before, when ["a", "b"] is valid."""
    procedure = PROCEDURES["approval-top3-no-self"]
    poll = procedure.polls(CTX)[0]
    ballots = [["a"], "a", ["a"], ("b",)]
    result = procedure.tally(poll, ballots, CTX)
    assert result == per_ballot(procedure, poll, ballots, CTX, monkeypatch)
    assert (result.valid, result.invalid) == (3, 1)


def test_an_unhashable_choice_fails_as_before(monkeypatch):
    procedure = PROCEDURES["approval-voters"]
    poll = procedure.polls(CTX)[0]
    with pytest.raises(TypeError):
        procedure.tally(poll, [["a"], ["a", ["b"]]], CTX)
    with pytest.raises(TypeError):
        per_ballot(procedure, poll, [["a"], ["a", ["b"]]], CTX, monkeypatch)
