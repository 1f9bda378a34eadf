"""Boundaries: exactly half is not "more than half"; quorum at exactly two thirds is met."""

from core.voting import CouncilVote, PollContext, PollDefinition

SIX = PollContext(members=("a", "b", "c", "d", "e", "f"),
                  scores={"a": 90, "b": 80, "c": 80, "d": 70, "e": 60, "f": 50})
FLAG = CouncilVote(poll_definitions=(PollDefinition("co", "Cờ", seats=1),),
                   quorum="2/3", threshold="1/2", threshold_base="members")


def tally(ballots, procedure=FLAG, ctx=SIX):
    return procedure.tally(procedure.polls(ctx)[0], ballots, ctx)


def test_exactly_half_of_all_members_does_not_pass():
    result = tally([["a"], ["a"], ["a"], ["b"], ["b"], ["c"]])
    a = next(c for c in result.counts if c["candidate"] == "a")
    assert a["votes"] == 3 and a["share"] == 0.5 and a["passed"] is False
    assert result.elected == ()


def test_more_than_half_passes():
    result = tally([["a"], ["a"], ["a"], ["a"], ["b"], ["c"]])
    assert result.elected == ("a",)


def test_threshold_base_is_all_members_not_voters():
    result = tally([["a"], ["a"], ["a"], ["b"]])  # 3 of 4 voters, but 3 of 6 members
    assert result.quorum_met is True and result.elected == ()


def test_quorum_exactly_two_thirds_is_met_one_less_is_not():
    met = tally([["a"]] * 4)
    assert met.quorum_met is True and met.elected == ("a",)
    missed = tally([["a"]] * 3)
    assert missed.quorum_met is False and missed.elected == ()
    assert "không ai được bầu" in missed.explanation[0]


def test_tie_at_last_seat_broken_by_verified_score():
    two = CouncilVote(poll_definitions=(PollDefinition("bk", "BK", seats=2),), quorum="1/2",
                      threshold="0", threshold_base="valid")
    result = tally([["a", "b"], ["a", "d"], ["b", "d"], ["a", "c"]], two)
    assert result.elected == ("a", "b")  # b and d tie on 2 votes; b has 80 > 70
    assert any("điểm thẩm định" in line for line in result.explanation)


def test_tie_on_votes_and_score_goes_to_runoff():
    two = CouncilVote(poll_definitions=(PollDefinition("bk", "BK", seats=2),), quorum="1/2",
                      threshold="0", threshold_base="valid")
    result = tally([["a", "b"], ["a", "c"], ["b", "c"], ["a", "d"]], two)
    assert result.elected == ("a",) and result.runoff == ("b", "c")  # both 80 points
    assert any("Bầu lại" in line for line in result.explanation)


def test_invalid_ballots_are_counted_as_invalid():
    result = tally([["a"], ["a", "b"], ["zz"], ["a"], ["a"], ["a"]])
    assert result.voted == 6 and result.valid == 4 and result.invalid == 2
