"""A procedure states its own rules (``describe``): full Vietnamese sentences for the campaign
page, computed from its parameters and the size of the council."""

from __future__ import annotations

from core.voting import (
    CouncilVote,
    PollContext,
    PollDefinition,
    PollDescription,
    ProcedureDescription,
    RankedVote,
    VotingProcedure,
)

NINE = PollContext(members=tuple(f"u{i}" for i in range(9)))


def test_council_vote_describes_quorum_threshold_self_vote_ties_and_polls():
    vote = CouncilVote(
        poll_definitions=(PollDefinition("bk", "Bằng khen", seats=3, candidates="top:5",
                                         min_choices=0),
                          PollDefinition("kt", "Bầu Khối trưởng", method="single")),
        quorum="1/2", threshold="2/3", threshold_base="valid", self_vote=False,
        tie_break=("runoff",), notes="Theo hướng dẫn của Hội đồng tỉnh.")
    described = vote.describe(NINE)
    assert isinstance(described, ProcedureDescription)
    assert described.rules == (
        "Hội nghị bình xét hợp lệ khi có ít nhất 1/2 tổng số đơn vị thành viên bỏ phiếu "
        "(5 trên 9 đơn vị).",
        "Một đơn vị được suy tôn khi được quá 2/3 số phiếu hợp lệ đồng ý.",
        "Đơn vị không được bỏ phiếu cho chính mình.",
        "Khi số phiếu bằng nhau: bầu lại giữa các đơn vị bằng phiếu.",
        "Vòng bầu lại chỉ gồm các đơn vị còn bằng nhau, cho các suất còn trống: đơn vị được "
        "nhiều phiếu hơn được suy tôn (ít nhất 1 phiếu, không xét tỷ lệ đồng ý), nếu vẫn bằng nhau "
        "thì áp dụng lại cách phân định trên.",
        "Khi ứng viên là các đơn vị có tổng điểm thẩm định cao nhất, mọi đơn vị bằng điểm với "
        "đơn vị ở vị trí cuối đều là ứng viên.",
        "Mỗi lá phiếu được niêm phong ngay khi bỏ; chỉ mở được khi hai trong ba thành viên "
        "Ban kiểm phiếu nhập phần khóa của mình lúc kết thúc bỏ phiếu.",
    )
    assert described.polls == (
        PollDescription("Bằng khen", "Chọn tối đa 3 đơn vị", 3,
                        "5 đơn vị có tổng điểm thẩm định cao nhất"),
        PollDescription("Bầu Khối trưởng", "Chọn 1 đơn vị", 1, "Tất cả đơn vị thành viên"),
    )
    assert described.notes == "Theo hướng dẫn của Hội đồng tỉnh."


def test_a_threshold_over_all_members_says_how_many_votes():
    vote = CouncilVote(poll_definitions=(PollDefinition("c", "Cờ", seats=2),))
    rules = vote.describe(PollContext(members=tuple("abcdefgh"))).rules
    assert rules[0].endswith("(6 trên 8 đơn vị).")
    assert rules[1] == ("Một đơn vị được suy tôn khi được quá 1/2 tổng số đơn vị thành viên đồng ý, "
                        "tức ít nhất 5 phiếu.")
    assert rules[3] == ("Khi số phiếu bằng nhau: đơn vị có tổng điểm thẩm định cao hơn được "
                        "chọn; nếu vẫn bằng nhau, bầu lại giữa các đơn vị bằng phiếu.")
    assert vote.describe(NINE).polls[0].choose == "Chọn từ 1 đến 2 đơn vị"


def test_ranked_vote_describes_the_borda_count():
    vote = RankedVote(poll_definitions=(
        PollDefinition("xh", "Xếp hạng", method="ranked", seats=2, max_choices=3),
        PollDefinition("tc", "Tất cả", method="ranked", min_choices=2)), quorum="2/3")
    described = vote.describe(NINE)
    assert described.rules[0].endswith("(6 trên 9 đơn vị).")
    assert "n − 1 điểm" in described.rules[1]
    assert [p.choose for p in described.polls] == ["Xếp hạng từ 1 đến 3 đơn vị",
                                                   "Xếp hạng ít nhất 2 đơn vị"]


def test_the_core_procedures_satisfy_the_whole_protocol():
    for procedure in (CouncilVote(poll_definitions=()), RankedVote(poll_definitions=())):
        assert isinstance(procedure, VotingProcedure)
        assert type(procedure).from_config(procedure.config()) == procedure


def test_the_seal_is_a_parameter_said_on_the_page():
    """How ballots are sealed until the count is the bloc's choice (issue 10): a key split
    among the counting committee (the default), or one the server destroys at the close."""
    committee = CouncilVote(poll_definitions=(PollDefinition("c", "Cờ"),))
    assert committee.seal == "committee" and committee.config()["seal"] == "committee"
    assert CouncilVote.from_config(committee.config()) == committee
    # a snapshot that names no seal opens its next polls with the committee's key
    assert CouncilVote.from_config({"polls": [{"code": "c", "title": "Cờ"}]}).seal == \
        "committee"
    assert "hai trong ba thành viên Ban kiểm phiếu" in committee.describe(NINE).rules[-1]
    server = CouncilVote(poll_definitions=(PollDefinition("c", "Cờ"),), seal="server")
    assert CouncilVote.from_config(server.config()).seal == "server"
    assert "do hệ thống giữ" in server.describe(NINE).rules[-1]
    assert RankedVote(poll_definitions=()).seal == "committee"
    assert CouncilVote(poll_definitions=(PollDefinition("c", "Cờ"),), seal="x").problems() == [
        "Tham số seal = 'x' không hợp lệ (chọn một trong: server, committee)."]
    ranked = RankedVote(poll_definitions=(PollDefinition("r", "R", method="ranked"),),
                        seal="committee")
    assert RankedVote.from_config(ranked.config()).seal == "committee"
