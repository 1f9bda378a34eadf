"""Issue 10, the rules: the tie chain, ``top:K`` with ties, Borda with one candidate, the
quorum over the units present, blank ballots, run-offs by most votes, the Cờ thi đua poll
(Điều 26 Luật Thi đua, khen thưởng 2022) and old snapshots."""

from __future__ import annotations

import pytest

import plugins.khoi8 as khoi8
import plugins.toan_tinh as toan_tinh
from core.voting import (
    BallotRejected,
    CouncilVote,
    PollContext,
    PollDefinition,
    PollSpec,
    RankedVote,
    procedure_from_snapshot,
)

EIGHT = tuple("abcdefgh")
SCORES = {"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0, "e": 60.0, "f": 50.0, "g": 40.0,
          "h": 30.0}
CTX = PollContext(members=EIGHT, ranking=EIGHT, scores=SCORES)


def council(*polls: PollDefinition, **params) -> CouncilVote:
    params = {"quorum": "1/2", "threshold": "0", "threshold_base": "valid", **params}
    return CouncilVote(poll_definitions=polls or (PollDefinition("bk", "BK", seats=2),),
                       **params)


def tally(procedure, ballots, ctx=CTX, code=None):
    spec = procedure.polls(ctx)[0]
    if code is not None:
        spec = PollSpec(code=code, title=spec.title, method=spec.method, seats=spec.seats,
                        min_choices=spec.min_choices, max_choices=spec.max_choices,
                        candidates=spec.candidates, elects=spec.elects)
    return procedure.tally(spec, ballots, ctx)


# -- the tie chain -----------------------------------------------------------------------

# b and c tie on votes (2) and on verified score (80) for the last seat.
TIED = [["a", "b"], ["a", "c"], ["b", "c"], ["a", "d"]]


@pytest.mark.parametrize("chain", [("verified_score",), ()], ids=["score-only", "empty"])
def test_a_tie_chain_without_runoff_makes_no_runoff(chain):
    result = tally(council(tie_break=chain), TIED)
    assert result.elected == ("a",)
    assert result.runoff == ()  # the service creates a run-off poll only from this
    assert result.explanation[-1] == "Không phân định được giữa b, c; 1 vị trí còn trống."


def test_the_chain_with_runoff_still_sends_the_tied_to_a_runoff():
    result = tally(council(tie_break=("verified_score", "runoff")), TIED)
    assert result.elected == ("a",) and result.runoff == ("b", "c")


def test_the_rule_says_the_seats_stay_empty_without_a_runoff():
    rules = council(tie_break=("verified_score",)).describe(CTX).rules
    assert rules[-2] == (  # the last rule says how ballots are sealed
        "Khi số phiếu bằng nhau: đơn vị có tổng điểm thẩm định cao hơn được "
                         "chọn; nếu vẫn bằng nhau, các suất còn lại để trống, không bầu lại.")


# -- top:K -------------------------------------------------------------------------------

@pytest.mark.parametrize("procedure", [
    council(PollDefinition("co", "Cờ", candidates="top:2")),
    RankedVote(poll_definitions=(PollDefinition("xh", "XH", method="ranked",
                                                candidates="top:2"),)),
], ids=["council", "ranked"])
def test_top_k_includes_every_unit_tied_at_place_k(procedure):
    assert procedure.polls(CTX)[0].candidates == ("a", "b", "c")  # b and c both 80


def test_the_rules_say_a_tie_at_place_k_is_included():
    rules = council(PollDefinition("co", "Cờ", candidates="top:2")).describe(CTX).rules
    assert rules[-2] == (  # the last rule says how ballots are sealed
        "Khi ứng viên là các đơn vị có tổng điểm thẩm định cao nhất, mọi đơn "
                         "vị bằng điểm với đơn vị ở vị trí cuối đều là ứng viên.")
    assert not any("vị trí cuối" in rule for rule in council().describe(CTX).rules)


def test_top_k_without_a_tie_at_place_k_is_exactly_k():
    procedure = council(PollDefinition("co", "Cờ", candidates="top:3"))
    assert procedure.polls(CTX)[0].candidates == ("a", "b", "c")
    one = council(PollDefinition("co", "Cờ", candidates="top:1"))
    assert one.polls(CTX)[0].candidates == ("a",)


def test_top_k_ties_are_by_verified_score_not_by_name():
    ranking = ("d", "a", "b", "c", "e", "f", "g", "h")  # the ranking's own order
    ctx = PollContext(members=EIGHT, ranking=ranking,
                      scores={**SCORES, "d": 95.0, "a": 80.0})  # a, b, c tied on 80
    procedure = council(PollDefinition("co", "Cờ", candidates="top:2"))
    assert procedure.polls(ctx)[0].candidates == ("d", "a", "b", "c")


# -- Borda with one candidate ------------------------------------------------------------

def test_a_one_candidate_borda_poll_can_elect():
    procedure = RankedVote(poll_definitions=(PollDefinition("co", "Cờ", method="ranked",
                                                            candidates="top:1"),))
    result = tally(procedure, [["a"], ["a"], ["a"], []], ctx=CTX)
    assert procedure.polls(CTX)[0].candidates == ("a",)
    assert result.quorum_met and result.elected == ("a",)
    assert result.counts == ({"candidate": "a", "votes": 3, "share": 1.0, "passed": True},)


# -- validation of top:K ------------------------------------------------------------------

@pytest.mark.parametrize("candidates", ["top:x", "top:²", "top:", "top:0", "top:-1", "best"])
def test_a_ranked_vote_refuses_a_bad_top_k(candidates):
    procedure = RankedVote(poll_definitions=(PollDefinition("xh", "XH", method="ranked",
                                                            candidates=candidates),))
    assert procedure.problems() == [
        "Cuộc bỏ phiếu xh: danh sách ứng viên (candidates) phải là 'members' hoặc 'top:K' "
        "(K ≥ 1)."]


def test_a_council_vote_reports_a_superscript_top_k_instead_of_crashing():
    procedure = council(PollDefinition("co", "Cờ", candidates="top:²"))
    assert procedure.problems() == [
        "Cuộc bỏ phiếu co: danh sách ứng viên (candidates) phải là 'members' hoặc 'top:K' "
        "(K ≥ 1)."]
    with pytest.raises(ValueError):
        procedure.polls(CTX)  # never reached: the plan check refuses it first


def test_a_superscript_place_on_the_ranked_form_is_refused_not_a_crash(app):
    """"²".isdigit() is true, int("²") fails: the page answered 500."""
    from core.web.voting import _read_choices

    spec = PollSpec("xh", "XH", "ranked", 1, 1, 3, ("a", "b", "c"))
    with app.test_request_context(method="POST", data={"rank-a": "²", "rank-b": "1"}):
        assert _read_choices(spec) == ([], "Thứ tự phải là một số từ 1 trở lên.")
    with app.test_request_context(method="POST", data={"rank-a": "2", "rank-b": "1"}):
        assert _read_choices(spec) == (["b", "a"], None)


# -- quorum over the units present ---------------------------------------------------------

def flag_2_3() -> CouncilVote:
    return council(PollDefinition("co", "Cờ"), quorum="2/3", threshold="1/2",
                   threshold_base="members", quorum_base="present")


def test_quorum_counts_the_units_present():
    four_votes = [["a"]] * 4  # 4 ballots of 8 members: not 2/3 of ballots
    met = tally(flag_2_3(), four_votes, PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:6]))
    assert met.quorum_met is True  # 6 present ≥ 2/3 × 8
    assert met.elected == ()  # 4 votes are not more than half of 8 members
    missed = tally(flag_2_3(), [["a"]] * 5, PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:5]))
    assert missed.quorum_met is False and missed.elected == ()
    assert missed.explanation == (
        "Không đủ số đơn vị có mặt: 5/8, cần ít nhất 2/3 tổng số thành viên; không ai được "
        "bầu.",)


def test_present_units_outside_the_roll_do_not_count():
    ctx = PollContext(EIGHT, EIGHT, SCORES, present=("a", "b", "c", "d", "x", "y"))
    assert tally(flag_2_3(), [["a"]] * 5, ctx).quorum_met is False  # 4 of the roll


def test_without_attendance_the_quorum_counts_ballots_and_says_so():
    result = tally(flag_2_3(), [["a"]] * 6)  # present is None
    assert result.quorum_met is True and result.elected == ("a",)
    assert result.explanation[0] == ("Chưa ghi nhận đơn vị có mặt tại hội nghị: tính theo số "
                                     "đơn vị đã bỏ phiếu (6).")
    assert tally(flag_2_3(), [["a"]] * 5).quorum_met is False


def test_more_ballots_than_units_present_is_noted():
    result = tally(flag_2_3(), [["a"]] * 7, PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:6]))
    assert "Lưu ý: số phiếu (7) nhiều hơn số đơn vị có mặt (6)." in result.explanation


def test_threshold_over_the_units_present():
    procedure = council(PollDefinition("co", "Cờ"), quorum="1/2", threshold="1/2",
                        threshold_base="present")
    ctx = PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:6])
    passes = tally(procedure, [["a"]] * 4 + [["b"]], ctx)  # 4 > 1/2 × 6
    assert passes.elected == ("a",)
    assert next(c for c in passes.counts if c["candidate"] == "a")["share"] == 0.6667
    assert tally(procedure, [["a"]] * 3 + [["b"]] * 2, ctx).elected == ()  # 3 = 1/2 × 6
    # Not recorded: the base is the ballots cast (3 of 5 is more than half).
    assert tally(procedure, [["a"]] * 3 + [["b"]] * 2).elected == ("a",)


def test_the_rules_state_the_quorum_over_the_units_present():
    rules = flag_2_3().describe(CTX).rules
    assert rules[0] == ("Hội nghị bình xét hợp lệ khi có ít nhất 2/3 tổng số đơn vị thành viên "
                        "có mặt (6 trên 8 đơn vị); khi chưa ghi nhận đơn vị có mặt, tính theo "
                        "số đơn vị đã bỏ phiếu.")


def test_a_ranked_vote_can_count_the_units_present():
    procedure = RankedVote(poll_definitions=(PollDefinition("xh", "XH", method="ranked"),),
                           quorum="2/3", quorum_base="present")
    ctx = PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:6])
    assert tally(procedure, [["a", "b"]] * 2, ctx).elected == ("a",)


# -- blank ballots ---------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: council(PollDefinition("co", "Cờ"), allow_blank=True),
    lambda: council(PollDefinition("kt", "KT", method="single"), allow_blank=True),
    lambda: RankedVote(poll_definitions=(PollDefinition("xh", "XH", method="ranked",
                                                        min_choices=2),), allow_blank=True),
], ids=["approval", "single", "ranked"])
def test_a_blank_ballot_is_valid_counts_as_voted_and_for_nobody(make):
    procedure = make()
    spec = procedure.polls(CTX)[0]
    procedure.check_ballot(spec, "a", [])  # no refusal
    result = procedure.tally(spec, [[], [], ["a", "b"][:max(spec.min_choices, 1)]], CTX)
    assert (result.voted, result.valid, result.invalid) == (3, 3, 0)
    assert sum(c["votes"] for c in result.counts if c["candidate"] not in ("a", "b")) == 0


def test_a_blank_ballot_still_weighs_against_a_threshold_over_members():
    procedure = council(PollDefinition("co", "Cờ"), quorum="2/3", threshold="1/2",
                        threshold_base="members", allow_blank=True)
    result = tally(procedure, [["a"]] * 4 + [[]] * 2)
    assert result.quorum_met is True and result.voted == 6 and result.elected == ()


def test_without_allow_blank_an_empty_ballot_is_refused():
    procedure = council(PollDefinition("co", "Cờ"))
    with pytest.raises(BallotRejected) as refused:
        procedure.check_ballot(procedure.polls(CTX)[0], "a", [])
    assert refused.value.code == "too_few_choices"
    assert tally(procedure, [[], ["a"]]).invalid == 1


def test_the_rules_say_a_blank_ballot_is_allowed():
    rules = council(allow_blank=True).describe(CTX).rules
    assert ("Được bỏ phiếu trắng (không chọn đơn vị nào): phiếu trắng là phiếu hợp lệ, được "
            "tính là đơn vị đã bỏ phiếu nhưng không tính cho đơn vị nào.") in rules


# -- run-offs --------------------------------------------------------------------------------

def runoff_vote() -> CouncilVote:
    return council(PollDefinition("bk", "BK", seats=2), quorum="2/3", threshold="1/2",
                   threshold_base="members")


def test_a_runoff_elects_by_most_votes():
    spec = PollSpec("bk-vong-2", "BK — bầu lại vòng 2", "approval", 1, 1, 1, ("b", "c"))
    result = runoff_vote().tally(spec, [["b"]] * 4 + [["c"]] * 2, CTX)
    assert result.elected == ("b",)  # 4 votes of 8 members: not "quá nửa", but the most
    assert "Vòng bầu lại: đơn vị được nhiều phiếu hơn được suy tôn (không xét tỷ lệ đồng ý)." \
        in result.explanation
    still = runoff_vote().tally(spec, [["b"]] * 3 + [["c"]] * 3, CTX)
    assert still.elected == () and still.runoff == ("b", "c")  # equal scores too: again
    again = PollSpec("bk-vong-2-vong-3", "BK", "approval", 1, 1, 1, ("b", "c"))
    assert runoff_vote().tally(again, [["c"]] * 4 + [["b"]] * 2, CTX).elected == ("c",)
    assert runoff_vote().tally(spec, [[]] * 6, CTX).elected == ()  # nobody without a vote


def test_a_runoff_keeps_the_threshold_when_the_procedure_says_so():
    keeps = council(PollDefinition("bk", "BK", seats=2), quorum="2/3", threshold="1/2",
                    threshold_base="members", runoff_rule="threshold")
    spec = PollSpec("bk-vong-2", "BK", "approval", 1, 1, 1, ("b", "c"))
    assert keeps.tally(spec, [["b"]] * 4 + [["c"]] * 2, CTX).elected == ()
    assert keeps.tally(spec, [["b"]] * 5 + [["c"]], CTX).elected == ("b",)
    rules = keeps.describe(CTX).rules
    assert rules[-2] == (  # the last rule says how ballots are sealed
        "Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn "
                         "trống, với cùng điều kiện được suy tôn như vòng đầu.")


def test_a_first_round_still_needs_the_threshold():
    spec = runoff_vote().polls(CTX)[0]
    assert runoff_vote().tally(spec, [["b"]] * 4 + [["c"]] * 2, CTX).elected == ()


def test_the_rules_say_how_a_runoff_elects():
    rules = runoff_vote().describe(CTX).rules
    assert rules[-2] == (  # the last rule says how ballots are sealed
        "Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn "
                         "trống: đơn vị được nhiều phiếu hơn được suy tôn (ít nhất 1 phiếu, không xét "
                         "tỷ lệ đồng ý), nếu vẫn bằng nhau thì áp dụng lại cách phân định trên.")
    ranked = RankedVote(poll_definitions=(PollDefinition("xh", "XH", method="ranked"),))
    assert ranked.describe(CTX).rules[-2] == (
        "Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn trống, đếm điểm như "
        "vòng đầu: đơn vị được nhiều điểm hơn được suy tôn.")


# -- the Cờ thi đua poll (Điều 26 Luật Thi đua, khen thưởng 2022) ---------------------------

def test_the_province_wide_flag_poll_offers_the_leading_unit():
    vote = toan_tinh.default_vote()
    assert vote.problems() == []
    polls = {p.code: p for p in vote.polls(CTX)}
    assert polls["co-thi-dua"].candidates == ("a",)
    assert polls["bang-khen"].candidates == EIGHT
    tied = PollContext(EIGHT, ("b", "c", "a"), {**SCORES, "a": 80.0, "b": 80.0, "c": 80.0})
    assert {p.code: p for p in vote.polls(tied)}["co-thi-dua"].candidates == ("b", "c", "a")


def test_the_province_wide_rules_explain_why_citing_article_26():
    described = toan_tinh.default_vote().describe(CTX)
    assert ("“Đề nghị tặng Cờ thi đua của UBND tỉnh”: theo Điều 26 Luật Thi đua, khen thưởng "
            "2022, Cờ thi đua được xét tặng cho đơn vị dẫn đầu khối thi đua, nên ứng viên là đơn "
            "vị có tổng điểm thẩm định cao nhất; Hội đồng bỏ phiếu để đề nghị.") in described.rules
    assert ("Khi ứng viên là các đơn vị có tổng điểm thẩm định cao nhất, mọi đơn vị bằng điểm "
            "với đơn vị ở vị trí cuối đều là ứng viên.") in described.rules
    assert described.polls[0].candidates == "1 đơn vị có tổng điểm thẩm định cao nhất"
    assert any("phiếu trắng" in rule for rule in described.rules)


def test_the_flag_poll_warns_when_the_elected_unit_is_not_the_leader():
    vote = toan_tinh.default_vote()
    spec = vote.polls(CTX)[0]  # opened while a led: candidates ("a",)
    later = PollContext(EIGHT, ("b", "a"), {**SCORES, "b": 95.0})  # totals changed by close
    result = vote.tally(spec, [["a"]] * 6, later)
    assert result.elected == ("a",)
    assert result.explanation[-1] == (
        "Lưu ý: a (90 điểm) không phải đơn vị dẫn đầu khối theo tổng điểm thẩm định (b: 95 "
        "điểm); Điều 26 Luật Thi đua, khen thưởng 2022 xét tặng Cờ thi đua cho đơn vị dẫn đầu "
        "khối.")
    assert not any(line.startswith("Lưu ý") for line in vote.tally(spec, [["a"]] * 6,
                                                                   CTX).explanation)
    runoff = PollSpec("co-thi-dua-vong-2", "Cờ", "approval", 1, 1, 1, ("a", "b"))
    assert vote.tally(runoff, [["a"]] * 6, later).explanation[-1].startswith("Lưu ý: a ")


def test_a_poll_without_the_award_mark_is_not_checked():
    vote = council(PollDefinition("co", "Cờ"))
    later = PollContext(EIGHT, ("b", "a"), {**SCORES, "b": 95.0})
    assert tally(vote, [["a"]] * 6, later).explanation == ()


def test_an_unknown_award_is_a_problem():
    assert council(PollDefinition("co", "Cờ", award="co")).problems() == [
        "Cuộc bỏ phiếu co: award = 'co' không hợp lệ (chọn: co_thi_dua hoặc để trống)."]


def test_the_new_parameters_are_checked():
    assert council(quorum_base="members", runoff_rule="coin").problems() == [
        "Tham số quorum_base = 'members' không hợp lệ (chọn một trong: voters, present).",
        "Tham số runoff_rule = 'coin' không hợp lệ (chọn một trong: most_votes, threshold)."]


# -- snapshots -------------------------------------------------------------------------------

OLD_COUNCIL = {  # a snapshot stored before issue 10 (Khối 8's 2021 config of the time)
    "polls": [{"code": "co-thi-dua", "title": "Cờ", "method": "approval", "seats": 1,
               "candidates": "members", "min_choices": 1, "max_choices": None,
               "elects": None}],
    "quorum": "2/3", "threshold": "1/2", "threshold_base": "members", "self_vote": True,
    "tie_break": ["verified_score", "runoff"], "notes": "",
}
OLD_RANKED = {"polls": [{"code": "xh", "title": "XH", "method": "ranked", "seats": 1,
                         "candidates": "members", "min_choices": 1, "max_choices": 3,
                         "elects": None}],
              "quorum": "1/2", "self_vote": True, "tie_break": ["verified_score", "runoff"]}


def test_an_old_council_snapshot_rebuilds_with_today_s_behaviour():
    old = procedure_from_snapshot("council_vote", OLD_COUNCIL)
    assert (old.quorum_base, old.allow_blank, old.runoff_rule) == ("voters", False,
                                                                   "threshold")
    assert old.poll_definitions[0].award is None
    assert {k: v for k, v in old.config().items() if k in OLD_COUNCIL} == {
        **OLD_COUNCIL, "polls": [{**OLD_COUNCIL["polls"][0], "award": None}]}
    # A run-off of an old campaign is counted as it was promised: with the threshold.
    spec = PollSpec("co-thi-dua-vong-2", "Cờ", "approval", 1, 1, 1, ("b", "c"))
    assert old.tally(spec, [["b"]] * 4 + [["c"]] * 2, CTX).elected == ()
    # A blank ballot stays invalid; the quorum counts ballots even when attendance is known.
    present = PollContext(EIGHT, EIGHT, SCORES, present=EIGHT)
    result = old.tally(old.polls(CTX)[0], [[]] * 3 + [["a"]] * 2, present)
    assert (result.invalid, result.quorum_met) == (3, False)
    assert old.describe(CTX).rules[1:4] == khoi8.voting_2021().describe(CTX).rules[1:4]
    assert "bỏ phiếu (6 trên 8 đơn vị)" in old.describe(CTX).rules[0]
    assert "có mặt (6 trên 8 đơn vị)" in khoi8.voting_2021().describe(CTX).rules[0]


def test_an_old_ranked_snapshot_rebuilds_with_today_s_behaviour():
    old = procedure_from_snapshot("ranked_borda", OLD_RANKED)
    assert (old.quorum_base, old.allow_blank) == ("voters", False)
    assert type(old).from_config(old.config()) == old


@pytest.mark.parametrize("make", [
    toan_tinh.default_vote, khoi8.voting_2021, flag_2_3,
    lambda: council(allow_blank=True, runoff_rule="threshold"),
    lambda: RankedVote(poll_definitions=(PollDefinition("xh", "XH", method="ranked",
                                                        award="co_thi_dua"),),
                       quorum_base="present", allow_blank=True),
], ids=["toan-tinh", "khoi8", "present", "blank-threshold", "ranked"])
def test_new_parameters_round_trip_through_the_snapshot(make):
    procedure = make()
    assert type(procedure).from_config(procedure.config()) == procedure


def test_khoi8_2021_counts_quorum_over_the_units_present():
    """Khối 8 (issue 10): quorum is two thirds of the members present at the meeting; the
    counting committee holds the key; no blank ballot; the Cờ thi đua poll open to all."""
    vote = khoi8.voting_2021()
    assert (vote.quorum_base, vote.allow_blank, vote.seal) == ("present", False, "committee")
    poll = vote.polls(CTX)[0]
    five = PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:5])
    six = PollContext(EIGHT, EIGHT, SCORES, present=EIGHT[:6])
    # 5 present of 8 (< 2/3): nobody elected, however the 5 voted
    failed = vote.tally(poll, [["a"]] * 5, five)
    assert not failed.quorum_met and failed.elected == ()
    assert failed.explanation[-1].startswith("Không đủ số đơn vị có mặt: 5/8")
    # 6 present: quorum met; 5 votes of 8 members pass "more than half of all members"
    met = vote.tally(poll, [["a"]] * 5 + [["b"]], six)
    assert met.quorum_met and met.elected == ("a",)
    assert all(p.candidates == "members" and p.award is None for p in vote.poll_definitions)
