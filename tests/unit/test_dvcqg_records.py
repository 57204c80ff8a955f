"""The national portal's records (engine/domain/dvcqg.py), built from a dossier and fake facts: every mapped
field, dates as yyyyMMddHHmmss in Vietnam's time, the status catalogue, deterministic keys, the order of the
messages of a change, and nothing for a change the portal need not hear about."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.domain import dvcqg
from engine.domain.contact import Contact
from engine.domain.dossier import Channel, Dossier, EventKind, HistoryEvent, ReturnMethod
from engine.domain.files import Blob, FileSource, MediaType, StoredFile
from engine.domain.notice import MissingItem, Notice, NoticeKind
from engine.domain.outbound import Change, OfficerFacts, Recorded, UnitFacts
from engine.domain.outbox import Destination
from engine.domain.status import DossierStatus as S

T0 = datetime(2025, 7, 14, 2, 0, tzinfo=UTC)  # 09:00 in Huế
RECEPTION, SPECIALIST, LEADER = 11, 12, 13
MANIFEST: dict[str, Any] = {
    "code": "2.000488", "name": {"vi": "Chứng thực bản sao từ bản chính", "en": "Certified copy"},
    "field_code": "G09-TP06", "field_name": {"vi": "Chứng thực", "en": "Certification"},
    "documents": [{"name": {"vi": "Bản chính giấy tờ", "en": "Original"}},
                  {"name": {"vi": "Bản sao cần chứng thực", "en": "Copy"}}],
    "fees": [{"name": {"vi": "Phí chứng thực bản sao", "en": "Fee"}, "amount_vnd": 2000, "per": "page"}],
}


class Facts:
    def __init__(self, manifest: dict[str, Any] | None = None, files: list[StoredFile] | None = None,
                 *, synced: bool = True):
        self._manifest = MANIFEST if manifest is None else manifest
        self._files = files or []
        self.synced = synced
        """Whether the portal had the dossier's record before the change."""

    def manifest(self, procedure_version_id: int) -> dict[str, Any]:
        return self._manifest

    def unit(self, unit_id: str) -> UnitFacts:
        return {"centre": UnitFacts("centre", "Phường Phú Xuân", "000.00.15.H57"),
                "commune": UnitFacts("commune", "Phường Vỹ Dạ", None)}[unit_id]

    def officer(self, user_id: int) -> OfficerFacts | None:
        return {RECEPTION: OfficerFacts(RECEPTION, "Trần Thị Bình", ("reception",), False),
                SPECIALIST: OfficerFacts(SPECIALIST, "Lê Văn Cường", ("specialist",), False),
                LEADER: OfficerFacts(LEADER, "Phạm Minh Đức", ("leader", "specialist"), True)}.get(user_id)

    def written_before(self, dossier_id: int, kind: str) -> bool:
        return self.synced and kind == dvcqg.RECORD

    def files(self, dossier_id: int) -> list[StoredFile]:
        return self._files


def _dossier(**changes: Any) -> Dossier:
    values: dict[str, Any] = dict(
        code="000.00.15.H57-250714-0001", secret="K7M4QX9TRB", procedure_code="2.000488", procedure_version_id=1,
        status=S.RECEIVED, channel=Channel.ONLINE, receiving_unit_id="centre", competent_unit_id="commune",
        return_unit_id="centre", applicant_name="Nguyễn Văn An",
        application={"applicant": {"id_number": "046 190 000 123", "phone": "0912 345 678",
                                   "email": "an@example.vn"}},
        received_at=T0, due_at=T0 + timedelta(days=3), workflow_state={}, received_by=RECEPTION,
        submitted_at=T0 - timedelta(hours=20), fee_vnd=6000, id=7)
    values.update(changes)
    return Dossier(**values)


def _file(file_id: int, source: FileSource, document: int | None) -> StoredFile:
    return StoredFile(Blob("0" * 64, 10, MediaType.PDF), "scan_Nguyen_Van_An.pdf", RECEPTION, T0, "centre", source,
                      dossier_id=7, document=document, id=file_id)


def _change(dossier: Dossier, *events: tuple[EventKind, int | None, dict[str, Any]], first: int = 1) -> Change:
    at = dossier.received_at
    recorded = [Recorded(HistoryEvent(kind, at + timedelta(minutes=n), by, "centre", data), first + n)
                for n, (kind, by, data) in enumerate(events)]
    return Change(dossier, recorded)


RECEPTION_EVENTS = ((EventKind.SUBMITTED, None, {"channel": "online"}), (EventKind.RECEIVED, RECEPTION, {}),
                    (EventKind.STATUS_CHANGED, RECEPTION, {"status": "processing", "previous": "received"}),
                    (EventKind.HANDED_OVER, RECEPTION, {"from_unit": "centre", "to_unit": "commune"}))


def test_stamps_are_vietnam_time_in_yyyymmddhhmmss() -> None:
    assert dvcqg.stamp(datetime(2025, 12, 31, 17, 30, 5, tzinfo=UTC)) == "20260101003005"
    assert dvcqg.stamp(None) == ""


def test_the_record_maps_every_field_the_product_holds() -> None:
    notice = Notice(NoticeKind.SUPPLEMENT_REQUEST, 1, T0 + timedelta(hours=1), "commune", SPECIALIST,
                    "Ông Nguyễn Văn B phải ký lại", items=[MissingItem("Giấy chứng sinh"), MissingItem("Tờ khai")],
                    reply_by=T0 + timedelta(days=5), answered_at=T0 + timedelta(days=1), answered_by=RECEPTION,
                    due_before=T0 + timedelta(days=3), due_after=T0 + timedelta(days=4))
    finished = T0 + timedelta(days=2)
    dossier = _dossier(status=S.RETURNED, notices=[notice], result_file_id=99, result_ready_at=finished,
                       finished_at=finished, returned_at=finished + timedelta(hours=1),
                       return_method=ReturnMethod.POST, contact=Contact("cong.dan@example.vn", None, True))
    files = [_file(1, FileSource.COUNTER, 0), _file(2, FileSource.REUSED, 1), _file(99, FileSource.RESULT, None)]
    record = dvcqg.dossier_record(dossier, Facts(files=files))
    assert {k: v for k, v in record.items() if not isinstance(v, list)} == {
        "MaHoSo": "000.00.15.H57-250714-0001", "MaTTHC": "2.000488", "TenTTHC": "Chứng thực bản sao từ bản chính",
        "MaLinhVuc": "G09-TP06", "TenLinhVuc": "Chứng thực", "KenhThucHien": "2", "ChuHoSo": "Nguyễn Văn An",
        "SoGiayToChuHoSo": "046190000123", "LoaiDoiTuong": "1", "MaDoiTuong": "",
        "Email": "cong.dan@example.vn", "SoDienThoai": "0912345678",
        "TrichYeuHoSo": "Chứng thực bản sao từ bản chính - Nguyễn Văn An",
        "NgayNopHoSo": "20250713130000", "NgayTiepNhan": "20250714090000", "NgayHenTra": "20250717090000",
        "TrangThaiHoSo": "10", "NgayKetThucXuLy": "20250716090000", "NgayTra": "20250716100000",
        "NgayTuChoi": "", "ThongTinTra": "", "HinhThuc": "1", "DonViXuLy": "commune",
        "TenDonViXuLy": "Phường Vỹ Dạ", "NoiNopHoSo": "000.00.15.H57", "TenNoiNopHoSo": "Phường Phú Xuân",
        "GhiChu": "", "HoSoCoThanhPhanSoHoa": "1", "TaiKhoanDuocXacThucVoiVNeID": "0",
        "DuocThanhToanTrucTuyen": "0"}
    assert record["DinhDanhCHS"] == [{"LoaiDinhDanh": "1", "SoDinhDanh": "046190000123"}]
    assert record["TaiLieuNop"] == [
        {"TepDinhKemId": "1", "TenTepDinhKem": "Bản chính giấy tờ", "MaThanhPhanHoSo": "1", "DuongDanTaiTepTin": "",
         "DuocSoHoa": "1", "DuocTaiSuDung": "0", "DuocLayTuKhoDMQG": "0", "MaKetQuaThayThe": ""},
        {"TepDinhKemId": "2", "TenTepDinhKem": "Bản sao cần chứng thực", "MaThanhPhanHoSo": "2",
         "DuongDanTaiTepTin": "", "DuocSoHoa": "0", "DuocTaiSuDung": "1", "DuocLayTuKhoDMQG": "0",
         "MaKetQuaThayThe": ""}]
    assert record["DanhSachLePhi"] == [{"TenPhiLePhi": "Phí chứng thực bản sao", "MaPhiLePhi": "", "HinhThucThu": "",
                                        "Gia": "6000", "LoaiPhiLePhi": "2"}]
    [round_] = record["DanhSachHoSoBoSung"]
    assert round_ | {"DanhSachGiayToBoSung": None, "DanhSachLePhiBoSung": None} == {
        "HoSoBoSungId": 1, "NguoiYeuCauBoSung": "Lê Văn Cường", "NoiDungBoSung": "Giấy chứng sinh; Tờ khai",
        "NgayBoSung": "20250714100000", "HanBoSung": "20250719090000", "NguoiTiepNhanBoSung": "Trần Thị Bình",
        "ThongTinTiepNhan": "", "NgayTiepNhanBoSung": "20250715090000", "TrangThaiBoSung": True,
        "NgayHenTraTruoc": "20250717090000", "NgayHenTraMoi": "20250718090000",
        "DanhSachGiayToBoSung": None, "DanhSachLePhiBoSung": None}
    assert record["DanhSachGiayToKetQua"] == [
        {"TenGiayTo": "Kết quả giải quyết thủ tục Chứng thực bản sao từ bản chính", "MaThanhPhanHoSo": "",
         "GiayToId": "99", "MaGiayToKetQua": "", "DuongDanTepTinKetQua": ""}]
    text = json.dumps(record, ensure_ascii=False)
    assert "Nguyen_Van_An" not in text and "Ông Nguyễn Văn B" not in text  # filenames and reasons stay home


def test_missing_codes_and_contact_are_sent_empty_and_an_organisation_is_type_2() -> None:
    manifest = {k: v for k, v in MANIFEST.items() if k not in ("field_code", "field_name", "fees")}
    dossier = _dossier(channel=Channel.POST, application={"applicant": {"tax_code": "3301234567"}})
    record = dvcqg.dossier_record(dossier, Facts(manifest))
    assert (record["MaLinhVuc"], record["TenLinhVuc"], record["Email"], record["SoDienThoai"]) == ("", "", "", "")
    assert (record["KenhThucHien"], record["LoaiDoiTuong"], record["DanhSachLePhi"]) == ("3", "2", [])
    assert record["DinhDanhCHS"] == [{"LoaiDinhDanh": "2", "SoDinhDanh": "3301234567"}]
    assert record["HoSoCoThanhPhanSoHoa"] == "0" and record["NgayKetThucXuLy"] == ""


@pytest.mark.parametrize("status", list(S))
def test_each_status_has_its_national_code(status: S) -> None:
    finished = T0 + timedelta(days=1) if status in (S.REFUSED, S.STOPPED, S.WITHDRAWN) else None
    record = dvcqg.dossier_record(_dossier(status=status, finished_at=finished), Facts())
    assert record["TrangThaiHoSo"] == str(list(S).index(status) + 1)
    assert record["NgayTuChoi"] == ("20250715090000" if status == S.REFUSED else "")


def test_a_reception_sends_the_record_as_received_then_its_steps_then_where_it_went() -> None:
    dossier = _dossier(status=S.PROCESSING)
    messages = dvcqg.messages(_change(dossier, *RECEPTION_EVENTS), Facts(), T0)
    code = dossier.code
    assert [m.key for m in messages] == [f"DongBoHoSoMC/{code}/2", *(f"CapNhatTienDoHoSoMC/{code}/{n}"
                                                                    for n in range(1, 5)), f"DongBoHoSoMC/{code}/4"]
    assert {(m.destination, m.stream, m.dossier_id, m.created_at) for m in messages} == {
        (Destination.DVCQG, "dvcqg:dossier:7", 7, T0)}
    first, last = messages[0].payload, messages[-1].payload
    assert (first["isUpdating"], first["data"][0]["TrangThaiHoSo"]) == ("False", "2")
    assert (last["isUpdating"], last["data"][0]["TrangThaiHoSo"]) == ("True", "4")
    steps = [m.payload["data"][0] for m in messages[1:-1]]
    assert [(s["NoiDungXuLy"], s["TrangThai"], s["NguoiXuLy"], s["ChucDanh"]) for s in steps] == [
        ("Nộp hồ sơ", "2", "Hệ thống", ""), ("Tiếp nhận hồ sơ", "2", "Trần Thị Bình", "Cán bộ tiếp nhận"),
        ("Chuyển trạng thái: Đang xử lý", "4", "Trần Thị Bình", "Cán bộ tiếp nhận"),
        ("Chuyển hồ sơ đến Phường Vỹ Dạ", "4", "Trần Thị Bình", "Cán bộ tiếp nhận")]
    assert steps[1] | {"NoiDungXuLy": None} == {
        "MaHoSo": code, "NguoiXuLy": "Trần Thị Bình", "ChucDanh": "Cán bộ tiếp nhận", "ThoiDiemXuLy": "20250714090100",
        "PhongBanXuLy": "Phường Phú Xuân", "NoiDungXuLy": None, "TrangThai": "2", "NgayBatDau": "20250714090000",
        "NgayKetThucTheoQuyDinh": "20250717090000"}


def test_a_reception_that_stays_received_sends_one_record_first() -> None:
    dossier = _dossier()
    messages = dvcqg.messages(_change(dossier, (EventKind.RECEIVED, RECEPTION, {})), Facts(), T0)
    assert [m.kind for m in messages] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"]


def test_a_later_change_sends_the_record_then_its_steps_and_keys_are_deterministic() -> None:
    dossier = _dossier(status=S.RESULT_READY, result_ready_at=T0, finished_at=T0)
    change = _change(dossier, (EventKind.TASK_COMPLETED, LEADER, {"step": "sign", "name": "Ký chứng thực"}),
                     (EventKind.STATUS_CHANGED, LEADER, {"status": "result_ready", "previous": "processing"}),
                     first=9)
    messages = dvcqg.messages(change, Facts(), T0)
    again = dvcqg.messages(change, Facts(), T0 + timedelta(hours=1))
    code = dossier.code
    assert [m.key for m in messages] == [m.key for m in again] == [
        f"DongBoHoSoMC/{code}/10", f"CapNhatTienDoHoSoMC/{code}/9", f"CapNhatTienDoHoSoMC/{code}/10"]
    steps = [m.payload["data"][0] for m in messages[1:]]
    assert [(s["NoiDungXuLy"], s["TrangThai"], s["ChucDanh"]) for s in steps] == [
        ("Hoàn thành bước: Ký chứng thực", "4", "Lãnh đạo cấp phó"),
        ("Chuyển trạng thái: Đã xử lý xong", "9", "Lãnh đạo cấp phó")]
    assert (messages[0].payload["isUpdating"], messages[0].payload["data"][0]["TrangThaiHoSo"]) == ("True", "9")


def test_a_step_without_a_record_change_sends_only_its_progress() -> None:
    change = _change(_dossier(status=S.PROCESSING),
                     (EventKind.TASK_COMPLETED, SPECIALIST, {"step": "review", "name": "Kiểm tra"}), first=5)
    assert [m.kind for m in dvcqg.messages(change, Facts(), T0)] == ["CapNhatTienDoHoSoMC"]


def test_a_dossier_received_before_the_synchronisation_gets_its_record_before_its_first_step() -> None:
    change = _change(_dossier(status=S.PROCESSING),
                     (EventKind.TASK_COMPLETED, SPECIALIST, {"step": "review", "name": "Kiểm tra"}), first=5)
    sent = dvcqg.messages(change, Facts(synced=False), T0)
    assert [m.kind for m in sent] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"]
    assert sent[0].payload["data"][0]["TrangThaiHoSo"] == "4"
    assert dvcqg.messages(_change(_dossier(status=S.PROCESSING), (EventKind.NEAR_DUE, None, {})),
                          Facts(synced=False), T0) == []


@pytest.mark.parametrize("kind", [EventKind.NEAR_DUE, EventKind.OVERDUE, EventKind.TIMER_FIRED, EventKind.RATED,
                                  EventKind.TASK_CLAIMED, EventKind.TASK_RELEASED, EventKind.TASK_ASSIGNED])
def test_no_message_for_a_change_the_portal_need_not_hear_about(kind: EventKind) -> None:
    assert dvcqg.messages(_change(_dossier(status=S.PROCESSING), (kind, SPECIALIST, {})), Facts(), T0) == []


def test_files_attached_update_the_record_without_a_progress_step() -> None:
    change = _change(_dossier(status=S.PROCESSING), (EventKind.FILE_ATTACHED, SPECIALIST, {"file": 3}), first=6)
    assert [m.key for m in dvcqg.messages(change, Facts(), T0)] == ["DongBoHoSoMC/000.00.15.H57-250714-0001/6"]


def test_progress_words_come_from_codes_never_from_free_text() -> None:
    dossier = _dossier(status=S.SUPPLEMENT_REQUESTED)
    requested = {"status": "supplement_requested", "previous": "processing"}
    extended = {"reason": "apology", "due_at": "2025-07-18T09:00:00+07:00"}
    change = _change(dossier, (EventKind.STATUS_CHANGED, SPECIALIST, requested),
                     (EventKind.NOTICE_ISSUED, SPECIALIST, {"notice": "supplement_request", "number": 1}),
                     (EventKind.CLOCK_PAUSED, SPECIALIST, {"reason": "Bà Nguyễn Thị C vắng mặt"}),
                     (EventKind.DEADLINE_EXTENDED, SPECIALIST, extended), first=5)
    steps = [m.payload["data"][0] for m in dvcqg.messages(change, Facts(), T0) if m.kind == "CapNhatTienDoHoSoMC"]
    assert [s["NoiDungXuLy"] for s in steps] == [
        "Chuyển trạng thái: Yêu cầu bổ sung giấy tờ", "Ra phiếu yêu cầu bổ sung, hoàn thiện hồ sơ",
        "Tạm dừng tính thời gian giải quyết", "Hẹn lại ngày trả kết quả"]
    assert steps[-1]["NgayKetThucTheoQuyDinh"] == "20250718090000"
    assert "Nguyễn Thị C" not in json.dumps(steps, ensure_ascii=False)


def test_titles_follow_the_highest_role() -> None:
    assert dvcqg.title(("specialist", "leader"), False) == "Lãnh đạo"
    assert dvcqg.title(("leader",), True) == "Lãnh đạo cấp phó"
    assert dvcqg.title(("reception", "specialist"), False) == "Chuyên viên"
    assert dvcqg.title(("admin",), False) == ""
