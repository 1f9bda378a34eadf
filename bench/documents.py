"""Render the bloc's score table for 40 units × 25 criteria; print the median time against a
one-page reference document rendered in the same run (issue 5; target: under 1.5 s median)."""

from __future__ import annotations

import statistics
import time
from decimal import Decimal

from _common import make_bench_app

UNITS = 40


def build() -> None:
    """40 units with 25 scored criteria each (Khối 8's 22 items + 3 bonus/deduction lines)."""
    import sys

    from _common import ROOT
    from sqlalchemy import select

    sys.path.insert(0, str(ROOT))  # the bulk builder is a test helper (tests/support/bulk.py)
    from core.extensions import db
    from core.models import CriterionRow, Score, ScoreSheet
    from tests.support.bulk import build as build_units

    build_units(UNITS)
    extra = list(db.session.scalars(select(CriterionRow).where(
        CriterionRow.code.in_(["C.1", "C.2", "T.2"]))))
    for sheet in db.session.scalars(select(ScoreSheet)):
        for row in extra:
            value = Decimal(1) if row.kind == "bonus" else Decimal(-1)
            sheet.scores.append(Score(criterion=row, self_score=value, evidence="Minh chứng",
                                      verified_score=value * 2 if row.kind == "bonus" else value,
                                      reason="Điều chỉnh theo minh chứng"))
    db.session.commit()


def median(fn, repeat: int = 7) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    from flask import render_template

    from core.extensions import db
    from core.services import campaigns, documents, pdf

    app = make_bench_app()
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        build()
        campaign = campaigns.get_campaign("khoi-8", 2021)
        kind = documents.KINDS["bang-tong-hop-diem"]
        reference_html = render_template(
            "pdf/_base.html", **documents._common(campaign, kind, None, False))

        def table():
            return documents.render(campaign, kind, None, draft=False)

        import io

        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(table())).pages)
        reference = median(lambda: pdf.render(reference_html))
        score_table = median(table)
        print(f"\nScore table PDF, {UNITS} units × 25 scored criteria (median of 7)")
        print(f"  one-page reference document   {reference * 1000:8.0f} ms   1.0×")
        print(f"  bảng tổng hợp kết quả chấm điểm {score_table * 1000:6.0f} ms   "
              f"{score_table / reference:.1f}×   ({pages} pages)")
        print(f"  target < 1500 ms: {'met' if score_table < 1.5 else 'NOT met'}")
        db.drop_all()


# -- issuing the score table: render + PDF/A + sign (issue 11) ------------------------------

def issue_score_table() -> None:
    """Issuing the score table (40 units × 25 criteria): render, PDF/A-2b, PAdES signature
    with a visible appearance (a key in a PKCS#12 file of a test CA made here), against the
    one-page reference render in the same run (target: issuing ≤ 2 s median)."""
    import tempfile
    from pathlib import Path

    from flask import render_template
    from support import pki

    from core.extensions import db
    from core.services import campaigns, documents, pdf, signing

    folder = Path(tempfile.mkdtemp(prefix="thidua-bench-sign-"))
    ca = pki.make_ca()
    (folder / "signer.p12").write_bytes(pki.issue(ca).pkcs12("bench"))
    config = signing.SigningConfig(pkcs12=folder / "signer.p12", password="bench",
                                   trust_roots=(ca.write_pem(folder / "ca.pem"),))
    app = make_bench_app()
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        build()
        campaign = campaigns.get_campaign("khoi-8", 2021)
        kind = documents.KINDS["bang-tong-hop-diem"]
        reference_html = render_template(
            "pdf/_base.html", **documents._common(campaign, kind, None, False))
        appearance = signing.Appearance(name=documents._common(
            campaign, kind, None, False)["signature"]["name"],
            signature_image=pki.signature_png(), seal_image=pki.seal_png())
        rendered = documents.render(campaign, kind, None, draft=False)

        def issue() -> bytes:
            data = documents.render(campaign, kind, None, draft=False)
            return signing.sign(data, appearance=appearance, config=config)

        signed = issue()
        assert signing.validate(signed, config=config).ok
        reference = median(lambda: pdf.render(reference_html))
        render_only = median(lambda: documents.render(campaign, kind, None, draft=False))
        sign_only = median(lambda: signing.sign(rendered, appearance=appearance,
                                                config=config))
        issuing = median(issue)
        print(f"\nIssuing the score table, {UNITS} units × 25 scored criteria (median of 7)")
        print(f"  one-page reference (PDF/A)    {reference * 1000:8.0f} ms   1.0×")
        print(f"  render + PDF/A                {render_only * 1000:8.0f} ms   "
              f"{render_only / reference:.1f}×")
        print(f"  sign (PAdES, visible)         {sign_only * 1000:8.0f} ms   "
              f"{sign_only / reference:.1f}×")
        print(f"  issue: render + PDF/A + sign  {issuing * 1000:8.0f} ms   "
              f"{issuing / reference:.1f}×")
        print(f"  target ≤ 2000 ms: {'met' if issuing <= 2.0 else 'NOT met'}")
        db.drop_all()


if __name__ == "__main__":
    main()
    issue_score_table()
