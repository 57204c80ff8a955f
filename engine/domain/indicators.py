"""The Decision 766 indicators our data supports (DOMAIN.md §6), each with its method written down.

Each is a numerator over a denominator from the period's figures and ratings. `full_marks_at` is the
rate at which the decision gives the indicator full points. Indicators that need data we do not hold
(publication of procedures, DVCQG sync, online payment, re-use of data, feedback handling) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.domain.figures import Figures


@dataclass(frozen=True)
class Indicator:
    id: str
    """The indicator's number in Decision 766 (group.item)."""
    name_vi: str
    name_en: str
    numerator: int
    denominator: int
    method: str
    full_marks_at: float | None = None

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


def indicators_of(f: Figures) -> list[Indicator]:
    return [
        Indicator("2.1", "Tỷ lệ hồ sơ giải quyết đúng hạn", "On-time rate", f.timely, f.total,
                  "Dossiers to handle in the period (carried over from before it or received in it) that were "
                  "finished in it by their deadline (result ready, withdrawn or stopped) or, at the period's "
                  "end, were still within it, over all dossiers to handle in the period; those refused "
                  "reception were never received and are not counted. "
                  "Waiting for the applicant's supplement or payment is not counted; a second supplementation "
                  "round counts as late (DOMAIN.md §4.3)."),
        Indicator("3.3", "Tỷ lệ hồ sơ trực tuyến", "Online dossier rate", f.received_online, f.received,
                  "Dossiers received online (KenhThucHien 2) over all dossiers received in the period.",
                  full_marks_at=0.5),
        Indicator("4.1", "Tỷ lệ cấp kết quả điện tử", "Electronic results", f.electronic_results, f.returned,
                  "Results returned with an electronic result file signed by the issuing unit (PAdES), over "
                  "all results returned to applicants, among the dossiers finished in the period (before "
                  "issue 20 kept files, a result returned online counted as electronic)."),
        Indicator("4.2", "Tỷ lệ số hóa hồ sơ", "Digitised dossiers", f.digitised, f.received,
                  "Dossiers whose required components all had a file (scanned at the counter, attached online "
                  "or re-used) when they were received, over all dossiers received in the period; partly "
                  "digitised ones are counted apart.", full_marks_at=0.8),
        Indicator("5.4", "Mức độ hài lòng trong tiếp nhận, giải quyết TTHC",
                  "Satisfaction in receiving and handling procedures",
                  max(f.total - f.late - f.dissatisfied, 0), f.total,
                  "100% minus the late-dossier rate (finished late or still in process past the deadline) minus "
                  "the rate of dossiers rated 'Không hài lòng', both over the dossiers to handle in the period.",
                  full_marks_at=0.9),
        Indicator("5.x", "Tỷ lệ đánh giá hài lòng", "Satisfied ratings", f.very_satisfied + f.satisfied,
                  f.ratings, "Ratings 'Rất hài lòng' or 'Hài lòng' over all ratings given by the period's end "
                  "for dossiers to handle in the period (the portals' satisfaction figure; not a 766 item)."),
    ]

