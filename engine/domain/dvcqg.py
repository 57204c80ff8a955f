"""The national portal's records of a dossier (DOMAIN.md §4.2): DongBoHoSoMC and CapNhatTienDoHoSoMC.

For each committed change of a dossier: one progress record (CapNhatTienDoHoSoMC) per processing step the
change recorded (`PROGRESS`), and the full dossier record (DongBoHoSoMC) in its final state when something the
record shows changed (`RECORD_CHANGES`). A change that received the dossier sends its record first, as
received (the portal refuses progress on a dossier it has no record of), then the steps, then the record again
if the same command moved it on; any other change sends the record, then its steps (OpenCPS's order). A dossier
received before the synchronisation was switched on gets its record with its first steps, whatever they are.
docs/dvcqg.md maps each field to its source and says what is sent for the fields the product cannot fill.
Pure: no I/O; what lies beyond the dossier comes from `OutboundFacts`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from engine.domain.calendar import VN_TZ
from engine.domain.dossier import Channel, Dossier, EventKind, HistoryEvent, ReturnMethod
from engine.domain.files import FileSource, StoredFile
from engine.domain.notice import NoticeKind
from engine.domain.outbound import Change, OutboundFacts, UnitFacts, stream_of
from engine.domain.outbox import Destination, OutboundMessage
from engine.domain.search import searchable
from engine.domain.slip import applicant
from engine.domain.status import DossierStatus
from engine.domain.submission import IntakeStage, Submission

RECORD, PROGRESS_SERVICE = "DongBoHoSoMC", "CapNhatTienDoHoSoMC"
DATE_FORMAT = "%Y%m%d%H%M%S"
ENGINE = "Hệ thống"
"""NguoiXuLy of a step no officer took (a timer, the portal's hand-in)."""

RECORD_CHANGES = frozenset({EventKind.RECEIVED, EventKind.STATUS_CHANGED, EventKind.DEADLINE_EXTENDED,
                            EventKind.NOTICE_ISSUED, EventKind.SUPPLEMENTED, EventKind.CLOCK_RESUMED,
                            EventKind.RESULT_ISSUED, EventKind.FILE_ATTACHED})
"""Events after which a field of the record differs: status, dates, appointment, supplementation rounds,
result, files."""

PROGRESS = frozenset({EventKind.SUBMITTED, EventKind.RECEIVED, EventKind.HANDED_OVER, EventKind.TASK_COMPLETED,
                      EventKind.TASK_SENT_BACK, EventKind.STATUS_CHANGED, EventKind.NOTICE_ISSUED,
                      EventKind.SUPPLEMENTED, EventKind.CLOCK_PAUSED, EventKind.CLOCK_RESUMED,
                      EventKind.DEADLINE_EXTENDED, EventKind.RESULT_ISSUED})
"""Processing steps the portal is told about. Not: inbox housekeeping (claimed, released, assigned), the
engine's own marks (near due, overdue, timer fired), files attached (the record lists them) and the rating."""

_STATUS_WORDS = {
    DossierStatus.SUBMITTED: "Mới đăng ký", DossierStatus.RECEIVED: "Được tiếp nhận",
    DossierStatus.REFUSED: "Không được tiếp nhận", DossierStatus.PROCESSING: "Đang xử lý",
    DossierStatus.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    DossierStatus.AWAITING_PAYMENT: "Yêu cầu thực hiện nghĩa vụ tài chính",
    DossierStatus.WITHDRAWN: "Công dân yêu cầu rút hồ sơ", DossierStatus.STOPPED: "Dừng xử lý",
    DossierStatus.RESULT_READY: "Đã xử lý xong", DossierStatus.RETURNED: "Đã trả kết quả",
}
_NOTICE_WORDS = {
    NoticeKind.SUPPLEMENT_REQUEST: "Ra phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
    NoticeKind.APOLOGY: "Ra văn bản xin lỗi và hẹn lại ngày trả kết quả",
    NoticeKind.STOP: "Ra thông báo dừng giải quyết hồ sơ",
    NoticeKind.WITHDRAWAL: "Ghi nhận yêu cầu rút hồ sơ",
    NoticeKind.REFUSAL: "Ra phiếu từ chối tiếp nhận", NoticeKind.GUIDANCE: "Ra phiếu hướng dẫn",
}
_CHANNELS = {Channel.IN_PERSON: "1", Channel.ONLINE: "2", Channel.POST: "3"}


def messages(change: Change, facts: OutboundFacts, now: datetime) -> list[OutboundMessage]:
    """The portal's messages for `change`, in the order they must arrive."""
    dossier = change.dossier
    progress = [_message(PROGRESS_SERVICE, f"{PROGRESS_SERVICE}/{dossier.code}/{seq}", {"data": [record]},
                         dossier, now)
                for seq, record in progress_records(change, facts)]
    record_changed = any(r.event.kind in RECORD_CHANGES for r in change.recorded)
    # Unless the dossier was received before the synchronisation was switched on: then the record goes first.
    if not record_changed and (not progress or dossier.id is None or facts.written_before(dossier.id, RECORD)):
        return progress
    final = _record(dossier, change.last_seq, facts, now, updating=True)
    received = next((r for r in change.recorded if r.event.kind == EventKind.RECEIVED), None)
    if received is None:
        return [final, *progress]
    # A new dossier: its record as received first, then the steps, then where the same command took it
    # (reception usually hands it on to the competent unit: status 2, then 4).
    before = _status_before(change)
    if before == dossier.status:
        return [_record(dossier, change.last_seq, facts, now, updating=False), *progress]
    as_received = _record(replace(dossier, status=before), received.seq, facts, now, updating=False)
    return [as_received, *progress, final]


def submission_messages(submission: Submission, facts: OutboundFacts, now: datetime) -> list[OutboundMessage]:
    """An online submission the counter refused (Mẫu 03) was never received and has no dossier: the portal, which
    handed it in and shows it as status 1, is told it was not received (3), under the portal's own reference."""
    if submission.channel != Channel.ONLINE or submission.stage != IntakeStage.REFUSED or submission.id is None:
        return []
    manifest = facts.latest_manifest(submission.procedure_code)
    centre = facts.unit(submission.centre_id)
    found = searchable(submission.applicant_name, submission.application)
    record = {
        "MaHoSo": submission.reference, "MaTTHC": submission.procedure_code, "TenTTHC": _vi(manifest.get("name")),
        "MaLinhVuc": str(manifest.get("field_code") or ""), "TenLinhVuc": _vi(manifest.get("field_name")),
        "KenhThucHien": _CHANNELS[submission.channel], "ChuHoSo": submission.applicant_name,
        "SoGiayToChuHoSo": found.id_number or "", "LoaiDoiTuong": "2" if _is_business(submission.application) else "1",
        "NgayNopHoSo": stamp(submission.submitted_at), "NgayTiepNhan": "", "NgayHenTra": "",
        "TrangThaiHoSo": str(DossierStatus.REFUSED.national_code), "NgayTuChoi": stamp(submission.decided_at),
        "HinhThuc": "1" if submission.return_method == ReturnMethod.POST else "0",
        "DonViXuLy": _unit_code(centre), "TenDonViXuLy": centre.name,
        "NoiNopHoSo": _unit_code(centre), "TenNoiNopHoSo": centre.name, "GhiChu": "",
    }
    return [OutboundMessage(Destination.DVCQG, RECORD, f"{Destination.DVCQG.value}:submission:{submission.id}",
                            f"{RECORD}/{submission.reference}/refused", {"isUpdating": "True", "data": [record]},
                            now)]


def _record(dossier: Dossier, seq: int, facts: OutboundFacts, now: datetime, *, updating: bool) -> OutboundMessage:
    return _message(RECORD, f"{RECORD}/{dossier.code}/{seq}",
                    {"isUpdating": "True" if updating else "False", "data": [dossier_record(dossier, facts)]},
                    dossier, now)


def _message(kind: str, key: str, payload: dict[str, Any], dossier: Dossier, now: datetime) -> OutboundMessage:
    return OutboundMessage(Destination.DVCQG, kind, stream_of(Destination.DVCQG, dossier), key, payload, now,
                           dossier_id=dossier.id)


def stamp(moment: datetime | None) -> str:
    """`yyyyMMddHHmmss` in Vietnam's time; empty for a date the dossier does not have (as OpenCPS sends)."""
    return "" if moment is None else moment.astimezone(VN_TZ).strftime(DATE_FORMAT)


# -- CapNhatTienDoHoSoMC ----------------------------------------------------------------------------------

def progress_records(change: Change, facts: OutboundFacts) -> list[tuple[int, dict[str, Any]]]:
    """(chain seq, progress record) for each processing step of `change`, with the status after it."""
    dossier = change.dossier
    status = _status_before(change)
    out = []
    for recorded in change.recorded:
        event = recorded.event
        if event.kind == EventKind.STATUS_CHANGED:
            status = DossierStatus(event.data["status"])
        if event.kind in PROGRESS:
            out.append((recorded.seq, _progress(dossier, event, status, facts)))
    return out


def _status_before(change: Change) -> DossierStatus:
    first = next((r.event for r in change.recorded if r.event.kind == EventKind.STATUS_CHANGED), None)
    return DossierStatus(first.data["previous"]) if first else change.dossier.status


def _progress(dossier: Dossier, event: HistoryEvent, status: DossierStatus, facts: OutboundFacts) -> dict[str, Any]:
    officer = facts.officer(event.actor_id) if event.actor_id is not None else None
    return {
        "MaHoSo": dossier.code,
        "NguoiXuLy": officer.name if officer else ENGINE,
        "ChucDanh": title(officer.roles, officer.deputy) if officer else "",
        "ThoiDiemXuLy": stamp(event.at),
        "PhongBanXuLy": facts.unit(event.unit_id).name if event.unit_id else "",
        "NoiDungXuLy": step_words(event, facts),
        "TrangThai": str(status.national_code),
        "NgayBatDau": stamp(dossier.received_at),
        "NgayKetThucTheoQuyDinh": stamp(_due_after(event) or dossier.due_at),
    }


def _due_after(event: HistoryEvent) -> datetime | None:
    due = event.data.get("due_at")
    return datetime.fromisoformat(due) if isinstance(due, str) else None


def title(roles: tuple[str, ...], deputy: bool) -> str:
    """ChucDanh from the officer's roles, the highest first."""
    if "leader" in roles:
        return "Lãnh đạo cấp phó" if deputy else "Lãnh đạo"
    for role, words in (("specialist", "Chuyên viên"), ("reception", "Cán bộ tiếp nhận"),
                        ("supervisor", "Cán bộ giám sát")):
        if role in roles:
            return words
    return ""


def step_words(event: HistoryEvent, facts: OutboundFacts) -> str:
    """NoiDungXuLy: the step in Vietnamese words, from the event's codes only (never free text, which may name
    people)."""
    data = event.data
    if event.kind == EventKind.SUBMITTED:
        return "Nộp hồ sơ"
    if event.kind == EventKind.RECEIVED:
        return "Tiếp nhận hồ sơ"
    if event.kind == EventKind.HANDED_OVER:
        return f"Chuyển hồ sơ đến {_unit_name(data.get('to_unit'), facts)}"
    if event.kind == EventKind.TASK_COMPLETED:
        return f"Hoàn thành bước: {data.get('name') or data.get('step')}"
    if event.kind == EventKind.TASK_SENT_BACK:
        return "Chuyển hồ sơ về bước trước để xử lý lại"
    if event.kind == EventKind.STATUS_CHANGED:
        return f"Chuyển trạng thái: {_STATUS_WORDS[DossierStatus(data['status'])]}"
    if event.kind == EventKind.NOTICE_ISSUED:
        return _NOTICE_WORDS.get(NoticeKind(data["notice"]), "Ra thông báo")
    if event.kind == EventKind.SUPPLEMENTED:
        return "Tiếp nhận hồ sơ bổ sung"
    if event.kind == EventKind.CLOCK_PAUSED:
        return "Tạm dừng tính thời gian giải quyết"
    if event.kind == EventKind.CLOCK_RESUMED:
        return "Tiếp tục tính thời gian giải quyết"
    if event.kind == EventKind.DEADLINE_EXTENDED:
        return "Hẹn lại ngày trả kết quả" if data.get("reason") == "apology" else "Gia hạn thời gian xác minh"
    if event.kind == EventKind.RESULT_ISSUED:
        return "Ban hành kết quả điện tử"
    return event.kind.value


def _unit_name(unit_id: Any, facts: OutboundFacts) -> str:
    return facts.unit(unit_id).name if isinstance(unit_id, str) else "đơn vị khác"


# -- DongBoHoSoMC ----------------------------------------------------------------------------------------

def dossier_record(dossier: Dossier, facts: OutboundFacts) -> dict[str, Any]:
    """The full record of `dossier` as it stands."""
    manifest = facts.manifest(dossier.procedure_version_id)
    procedure_name = _vi(manifest.get("name"))
    person = applicant(dossier.applicant_name, dossier.application, lambda _unit: None)
    found = searchable(dossier.applicant_name, dossier.application)
    contact = dossier.contact
    competent, centre = facts.unit(dossier.competent_unit_id), facts.unit(dossier.receiving_unit_id)
    files = [f for f in facts.files(dossier.id) if not f.is_result] if dossier.id is not None else []
    business = _is_business(dossier.application)
    return {
        "MaHoSo": dossier.code,
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": procedure_name,
        "MaLinhVuc": str(manifest.get("field_code") or ""),
        "TenLinhVuc": _vi(manifest.get("field_name")),
        "KenhThucHien": _CHANNELS[dossier.channel],
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": found.id_number or "",
        "LoaiDoiTuong": "2" if business else "1",
        "MaDoiTuong": "",
        "DinhDanhCHS": ([{"LoaiDinhDanh": "2" if business else "1", "SoDinhDanh": found.id_number}]
                        if found.id_number else []),
        "Email": (contact.email if contact and contact.email else person.email) or "",
        "SoDienThoai": (contact.phone if contact and contact.phone else found.phone) or "",
        "TrichYeuHoSo": f"{procedure_name} - {dossier.applicant_name}",
        "NgayNopHoSo": stamp(dossier.submitted_at),
        "NgayTiepNhan": stamp(dossier.received_at),
        "NgayHenTra": stamp(dossier.due_at),
        "TrangThaiHoSo": str(dossier.status.national_code),
        "NgayKetThucXuLy": stamp(dossier.result_ready_at or dossier.finished_at),
        "NgayTra": stamp(dossier.returned_at),
        "NgayTuChoi": stamp(dossier.finished_at) if dossier.status == DossierStatus.REFUSED else "",
        "ThongTinTra": "",
        "HinhThuc": "1" if dossier.return_method == ReturnMethod.POST else "0",
        "DonViXuLy": _unit_code(competent),
        "TenDonViXuLy": competent.name,
        "NoiNopHoSo": _unit_code(centre),
        "TenNoiNopHoSo": centre.name,
        "GhiChu": "",
        "HoSoCoThanhPhanSoHoa": "1" if any(f.source != FileSource.STEP for f in files) else "0",
        "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": "0",
        "TaiLieuNop": [_submitted_file(f, manifest) for f in files],
        "DanhSachLePhi": _fees(manifest, dossier.fee_vnd),
        "DanhSachTepDinhKemKhac": [],
        "DanhSachHoSoBoSung": _supplements(dossier, facts),
        "DanhSachGiayToKetQua": _results(dossier, procedure_name),
        "DSKetNoiCSDL": [],
    }


def _vi(words: Any) -> str:
    """A manifest's name: {"vi": …, "en": …} or plain text."""
    return str(words.get("vi", "")) if isinstance(words, dict) else str(words or "")


def _is_business(application: dict[str, Any]) -> bool:
    """An organisation applied: the applicant is known by a tax code, not a personal ID number."""
    person = application.get("applicant")
    return isinstance(person, dict) and bool(person.get("tax_code")) and not person.get("id_number")


def _unit_code(unit: UnitFacts) -> str:
    return unit.agency_code or unit.id


def _submitted_file(file: StoredFile, manifest: dict[str, Any]) -> dict[str, Any]:
    """A TaiLieuNop line. Its name is the procedure document's, not the uploaded file's (which may name the
    citizen); no link, as no public address of a dossier's file exists (docs/dvcqg.md)."""
    documents = manifest.get("documents", [])
    known = file.document is not None and 0 <= file.document < len(documents)
    return {
        "TepDinhKemId": str(file.id),
        "TenTepDinhKem": _vi(documents[file.document].get("name")) if known else "Giấy tờ khác",
        "MaThanhPhanHoSo": str(file.document + 1) if file.document is not None else "",
        "DuongDanTaiTepTin": "",
        "DuocSoHoa": "1" if file.source == FileSource.COUNTER else "0",
        "DuocTaiSuDung": "1" if file.source == FileSource.REUSED else "0",
        "DuocLayTuKhoDMQG": "0",
        "MaKetQuaThayThe": "",
    }


def _fees(manifest: dict[str, Any], fee_vnd: int) -> list[dict[str, Any]]:
    """One line per fee of the procedure; with a single fee, the amount charged for this dossier (it depends on
    the pages or copies), else each fee's base amount."""
    fees = manifest.get("fees", [])
    return [{"TenPhiLePhi": _vi(fee.get("name")), "MaPhiLePhi": str(fee.get("code", "")), "HinhThucThu": "",
             "Gia": str(fee_vnd if len(fees) == 1 else fee.get("amount_vnd", 0)),
             "LoaiPhiLePhi": "2" if _vi(fee.get("name")).startswith("Phí") else "1"} for fee in fees]


def _supplements(dossier: Dossier, facts: OutboundFacts) -> list[dict[str, Any]]:
    """The supplementation rounds: what was asked (the items' names; not the reasons, free text that may name
    people), when, by when, and when it arrived."""
    def officer_name(user_id: int | None) -> str:
        officer = facts.officer(user_id) if user_id is not None else None
        return officer.name if officer else ENGINE

    return [{"HoSoBoSungId": notice.number,
             "NguoiYeuCauBoSung": officer_name(notice.officer_id),
             "NoiDungBoSung": "; ".join(item.name for item in notice.items),
             "NgayBoSung": stamp(notice.issued_at),
             "HanBoSung": stamp(notice.reply_by),
             "NguoiTiepNhanBoSung": officer_name(notice.answered_by) if notice.answered_at else "",
             "ThongTinTiepNhan": "",
             "NgayTiepNhanBoSung": stamp(notice.answered_at),
             "TrangThaiBoSung": notice.answered_at is not None,
             "DanhSachGiayToBoSung": [], "DanhSachLePhiBoSung": [],
             "NgayHenTraTruoc": stamp(notice.due_before),
             "NgayHenTraMoi": stamp(notice.due_after)}
            for notice in dossier.notices_of(NoticeKind.SUPPLEMENT_REQUEST)]


def _results(dossier: Dossier, procedure_name: str) -> list[dict[str, Any]]:
    if dossier.result_file_id is None:
        return []
    return [{"TenGiayTo": f"Kết quả giải quyết thủ tục {procedure_name}", "MaThanhPhanHoSo": "",
             "GiayToId": str(dossier.result_file_id), "MaGiayToKetQua": "", "DuongDanTepTinKetQua": ""}]

