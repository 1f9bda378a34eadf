"""Property tests of every tally: ballot order never matters, counts add up to the choices
cast, one more vote for X never lowers X; blank ballots are valid and give nothing; a quorum
over the units present depends on attendance only (ballots when it was not recorded)."""

import dataclasses
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from core.voting import CouncilVote, PollContext, PollDefinition, RankedVote

UNITS = ["a", "b", "c", "d", "e", "f"]
CTX = PollContext(members=tuple(UNITS), ranking=tuple(UNITS),
                  scores={u: float(10 - i) for i, u in enumerate(UNITS)})

APPROVAL = CouncilVote(poll_definitions=(PollDefinition("p", "P", seats=2),),
                       quorum="1/2", threshold="1/2", threshold_base="voters")
SINGLE = CouncilVote(poll_definitions=(PollDefinition("p", "P", method="single"),),
                     quorum="1/2", threshold="0", threshold_base="valid")
RANKED = RankedVote(poll_definitions=(PollDefinition("p", "P", method="ranked", seats=2,
                                                     max_choices=3),), quorum="1/2")
PROCEDURES = {"approval": APPROVAL, "single": SINGLE, "ranked": RANKED}


def ballots_for(spec):
    choice = st.lists(st.sampled_from(spec.candidates), min_size=spec.min_choices,
                      max_size=spec.max_choices, unique=True)
    return st.lists(choice, min_size=0, max_size=len(UNITS))


def spec(name):
    return PROCEDURES[name].polls(CTX)[0]


@given(st.sampled_from(sorted(PROCEDURES)), st.data())
@settings(max_examples=150, deadline=None)
def test_order_of_ballots_never_changes_the_result(name, data):
    procedure, poll = PROCEDURES[name], spec(name)
    ballots = data.draw(ballots_for(poll))
    shuffled = data.draw(st.permutations(ballots))
    assert procedure.tally(poll, ballots, CTX) == procedure.tally(poll, list(shuffled), CTX)


@given(st.sampled_from(["approval", "single"]), st.data())
@settings(max_examples=150, deadline=None)
def test_counts_add_up_to_choices_cast(name, data):
    procedure, poll = PROCEDURES[name], spec(name)
    ballots = data.draw(ballots_for(poll))
    result = procedure.tally(poll, ballots, CTX)
    assert sum(c["votes"] for c in result.counts) == sum(len(b) for b in ballots)
    assert result.valid + result.invalid == result.voted == len(ballots)


@given(st.data())
@settings(max_examples=150, deadline=None)
def test_borda_points_add_up(data):
    poll = spec("ranked")
    ballots = data.draw(ballots_for(poll))
    result = RANKED.tally(poll, ballots, CTX)
    n = len(poll.candidates)
    expected = sum(sum(n - 1 - i for i in range(len(b))) for b in ballots)
    assert sum(c["votes"] for c in result.counts) == expected


@given(st.sampled_from(sorted(PROCEDURES)), st.data())
@settings(max_examples=200, deadline=None)
def test_one_more_vote_for_x_never_lowers_x(name, data):
    procedure, poll = PROCEDURES[name], spec(name)
    ballots = data.draw(ballots_for(poll).filter(lambda b: len(b) < len(UNITS)))
    x = data.draw(st.sampled_from(poll.candidates))
    before = procedure.tally(poll, ballots, CTX)
    after = procedure.tally(poll, [*ballots, [x]], CTX)
    votes = {c["candidate"]: c["votes"] for c in before.counts}
    votes_after = {c["candidate"]: c["votes"] for c in after.counts}
    assert votes_after[x] > votes[x]
    if before.quorum_met and x in before.elected:
        assert x in after.elected or x in after.runoff


# -- blank ballots and the quorum over the units present (issue 10) -------------------------

BLANK = {
    "approval": CouncilVote(poll_definitions=(PollDefinition("p", "P", seats=2),),
                            quorum="1/2", threshold="1/2", threshold_base="members",
                            allow_blank=True),
    "single": CouncilVote(poll_definitions=(PollDefinition("p", "P", method="single"),),
                          quorum="2/3", threshold="0", threshold_base="valid",
                          allow_blank=True),
    "ranked": RankedVote(poll_definitions=(PollDefinition("p", "P", method="ranked", seats=2,
                                                          min_choices=2, max_choices=3),),
                         quorum="1/2", allow_blank=True),
}


def with_blanks(spec):
    """Ballots where any may be blank."""
    choice = st.one_of(st.just([]), st.lists(st.sampled_from(spec.candidates),
                                             min_size=spec.min_choices,
                                             max_size=spec.max_choices, unique=True))
    return st.lists(choice, min_size=0, max_size=len(UNITS))


@given(st.sampled_from(sorted(BLANK)), st.data())
@settings(max_examples=150, deadline=None)
def test_blank_ballots_are_valid_count_as_voted_and_give_nothing(name, data):
    procedure = BLANK[name]
    poll = procedure.polls(CTX)[0]
    ballots = data.draw(with_blanks(poll))
    result = procedure.tally(poll, ballots, CTX)
    filled = [b for b in ballots if b]
    without = procedure.tally(poll, filled, CTX)
    assert (result.voted, result.valid, result.invalid) == (len(ballots), len(ballots), 0)
    votes = {c["candidate"]: c["votes"] for c in result.counts}
    assert votes == {c["candidate"]: c["votes"] for c in without.counts}
    if without.quorum_met:  # blanks can only help to reach the quorum
        assert result.quorum_met


@given(st.sampled_from(["approval", "single", "ranked"]), st.data())
@settings(max_examples=150, deadline=None)
def test_a_present_quorum_depends_on_attendance_not_on_ballots(name, data):
    base = BLANK[name]
    procedure = dataclasses.replace(base, quorum_base="present")
    poll = procedure.polls(CTX)[0]
    ballots = data.draw(with_blanks(poll))
    present = data.draw(st.one_of(st.none(), st.lists(st.sampled_from(UNITS), unique=True)
                                  .map(tuple)))
    ctx = dataclasses.replace(CTX, present=present)
    result = procedure.tally(poll, ballots, ctx)
    share = Fraction(procedure.quorum)
    if present is None:  # not recorded: the ballots cast, as with quorum_base="voters"
        assert result.quorum_met == base.tally(poll, ballots, CTX).quorum_met
        assert result.explanation[0].startswith("Chưa ghi nhận đơn vị có mặt")
    else:
        assert result.quorum_met == (len(present) >= share * len(UNITS))
    voters = base.tally(poll, ballots, ctx)
    if result.quorum_met and voters.quorum_met:  # the same count once the quorum is met
        assert (result.elected, result.runoff) == (voters.elected, voters.runoff)
    if not result.quorum_met:
        assert result.elected == () and result.runoff == ()
