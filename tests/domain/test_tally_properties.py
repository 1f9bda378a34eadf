"""Property tests of every tally: ballot order never matters, counts add up to the choices
cast, one more vote for X never lowers X."""

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
