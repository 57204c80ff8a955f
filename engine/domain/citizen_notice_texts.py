"""The words of the notices to citizens (engine/domain/citizen_notices.py): an e-mail's subject and body and an
SMS, in Vietnamese, for each notice.

Plain Python rather than templates read from forms/: the messages are written inside the command's commit
(engine/domain/outbound.py), where the domain may do no I/O. Moments are shown in Vietnam's time. The
look-up page's address is the deployment's, which the domain does not know: a notice names the centre's look-up
page and gives the code and secret to type there.

SMS are sent without diacritics (`sms_text`): with them a message is UCS-2 and holds 70 characters, without
them GSM-7 and 160, and Vietnamese brandname SMS are commonly sent that way. An SMS is kept within two
concatenated segments (`MAX_SMS`); the e-mail carries the full text.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from engine.domain.calendar import VN_TZ
from engine.domain.dossier import ReturnMethod
from engine.domain.notice import MissingItem
from engine.domain.slip import DOCUMENT_FORM_LABELS

MAX_SMS = 306
"""Two concatenated GSM-7 segments of 153 characters."""
LOOK_UP = "trang tra cứu hồ sơ của Trung tâm Phục vụ hành chính công"
_SIGNATURE = ("Thư này do hệ thống một cửa gửi tự động theo đăng ký nhận thông báo của Ông/Bà, xin không trả lời "
              "thư. Để thôi nhận thông báo, Ông/Bà báo với Trung tâm Phục vụ hành chính công nơi nộp hồ sơ.")


@dataclass(frozen=True)
class Words:
    subject: str
    body: str
    sms: str
    """Written with diacritics; `sms_text` takes them off."""


@dataclass(frozen=True)
class Receipt:
    """What every notice names: the dossier's code and look-up secret, its procedure, and the centre."""

    code: str
    secret: str
    """Grouped as the receipt prints it (engine/domain/dossier_code.py `grouped_secret`)."""
    procedure: str
    centre: str


def received(r: Receipt, received_at: datetime, due_at: datetime, return_centre: str) -> Words:
    body = _letter(
        f"{r.centre} đã tiếp nhận hồ sơ “{r.procedure}” của Ông/Bà lúc {_moment(received_at)}.",
        f"Mã hồ sơ: {r.code}\nMã tra cứu: {r.secret}\nNgày hẹn trả kết quả: {_moment(due_at)}\n"
        f"Nơi trả kết quả: {return_centre}",
        f"Ông/Bà theo dõi hồ sơ trên {LOOK_UP} bằng mã hồ sơ và mã tra cứu trên; xin giữ kín mã tra cứu.")
    sms = (f"Hồ sơ {r.code} đã được tiếp nhận. Mã tra cứu: {r.secret}. Hẹn trả kết quả: {_moment(due_at)}. "
           "Xem trên trang tra cứu hồ sơ.")
    return Words(f"Đã tiếp nhận hồ sơ {r.code}", body, sms)


def supplement_request(r: Receipt, items: list[MissingItem], reasons: str, reply_by: datetime | None) -> Words:
    by_when = (f"Hạn bổ sung: {_moment(reply_by)}; quá hạn mà chưa bổ sung, hồ sơ sẽ bị dừng giải quyết."
               if reply_by else "Thời hạn giải quyết được tính tiếp từ khi Ông/Bà bổ sung đủ hồ sơ.")
    listed = "\n".join(f"- {_item(item)}" for item in items)
    body = _letter(f"Hồ sơ {r.code} (“{r.procedure}”) cần được bổ sung, hoàn thiện.",
                   f"Lý do: {reasons}", f"Ông/Bà bổ sung các giấy tờ sau:\n{listed}", by_when,
                   f"Nơi nộp bổ sung: {r.centre}. Thời gian chờ bổ sung không tính vào thời hạn giải quyết.")
    until = f", hạn {_day(reply_by)}" if reply_by else ""
    names = "; ".join(item.name for item in items)
    sms = f"Hồ sơ {r.code} cần bổ sung{until}: {names}. Chi tiết trên trang tra cứu hồ sơ."
    return Words(f"Yêu cầu bổ sung hồ sơ {r.code}", body, sms)


def apology(r: Receipt, reasons: str, due_before: datetime | None, due_after: datetime) -> Words:
    before = f" (hẹn trước đây: {_moment(due_before)})" if due_before else ""
    body = _letter(f"Cơ quan giải quyết xin lỗi Ông/Bà vì hồ sơ {r.code} (“{r.procedure}”) chưa thể trả kết quả "
                   f"đúng hẹn{before}.",
                   f"Lý do: {reasons}", f"Ngày hẹn trả kết quả mới: {_moment(due_after)}")
    sms = (f"Xin lỗi Ông/Bà: hồ sơ {r.code} chưa trả kết quả đúng hẹn. Hẹn trả kết quả mới: {_moment(due_after)}.")
    return Words(f"Xin lỗi và hẹn lại ngày trả kết quả hồ sơ {r.code}", body, sms)


@dataclass(frozen=True)
class Payment:
    """The financial-obligation notice as the citizen sees it (engine/domain/step_outputs.py FinancialNotice)."""

    number: str | None
    amounts: list[tuple[str, int]]
    deadline: date | None


def financial_obligation(r: Receipt, payment: Payment | None) -> Words:
    if payment is None:
        body = _letter(f"Hồ sơ {r.code} (“{r.procedure}”) đang chờ Ông/Bà thực hiện nghĩa vụ tài chính.",
                       "Cơ quan thuế sẽ thông báo số tiền phải nộp; hồ sơ được giải quyết tiếp sau khi Ông/Bà nộp.",
                       "Thời gian chờ thực hiện nghĩa vụ tài chính không tính vào thời hạn giải quyết.")
        sms = f"Hồ sơ {r.code} chờ Ông/Bà thực hiện nghĩa vụ tài chính theo thông báo của cơ quan thuế."
        return Words(f"Thực hiện nghĩa vụ tài chính cho hồ sơ {r.code}", body, sms)
    total = sum(amount for _, amount in payment.amounts)
    number = f" số {payment.number}" if payment.number else ""
    lines = "\n".join(f"- {title}: {money(amount)}" for title, amount in payment.amounts)
    until = f" trước ngày {payment.deadline:%d/%m/%Y}" if payment.deadline else ""
    body = _letter(f"Hồ sơ {r.code} (“{r.procedure}”) đang chờ Ông/Bà thực hiện nghĩa vụ tài chính theo "
                   f"thông báo nộp tiền{number}:",
                   f"{lines}\nTổng cộng: {money(total)}",
                   f"Ông/Bà nộp tiền{until}; hồ sơ được giải quyết tiếp sau khi nộp. Thời gian chờ không tính vào "
                   "thời hạn giải quyết.")
    sms = f"Hồ sơ {r.code}: Ông/Bà nộp {money(total)} theo thông báo nộp tiền{number}{until}."
    return Words(f"Thực hiện nghĩa vụ tài chính cho hồ sơ {r.code}", body, sms)


def result_ready(r: Receipt, method: ReturnMethod | None, return_centre: str) -> Words:
    if method == ReturnMethod.POST:
        how = "Kết quả sẽ được gửi đến Ông/Bà qua dịch vụ bưu chính công ích."
        short = "Kết quả sẽ được gửi qua bưu chính."
    elif method == ReturnMethod.ONLINE:
        how = (f"Kết quả được trả trực tuyến: khi hồ sơ được trả, Ông/Bà tải kết quả điện tử trên {LOOK_UP} bằng "
               "mã hồ sơ và mã tra cứu.")
        short = "Kết quả được trả trực tuyến trên trang tra cứu hồ sơ."
    else:
        how = (f"Mời Ông/Bà đến {return_centre} để nhận kết quả, mang theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả "
               "cùng giấy tờ tùy thân.")
        short = f"Mời Ông/Bà đến {return_centre} nhận kết quả."
    body = _letter(f"Hồ sơ {r.code} (“{r.procedure}”) đã có kết quả.", how)
    return Words(f"Hồ sơ {r.code} đã có kết quả", body, f"Hồ sơ {r.code} đã có kết quả. {short}")


def rating_invitation(r: Receipt, returned_at: datetime, electronic_result: bool) -> Words:
    download = (f"Ông/Bà tải kết quả điện tử trên {LOOK_UP} bằng mã hồ sơ và mã tra cứu.",) if electronic_result else ()
    body = _letter(f"Hồ sơ {r.code} (“{r.procedure}”) đã được trả kết quả lúc {_moment(returned_at)}.", *download,
                   f"Mời Ông/Bà đánh giá mức độ hài lòng về việc giải quyết hồ sơ trên {LOOK_UP}, bằng mã hồ sơ "
                   f"{r.code} và mã tra cứu {r.secret}. Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn.")
    sms = (f"Hồ sơ {r.code} đã trả kết quả. Mời Ông/Bà đánh giá sự hài lòng trên trang tra cứu hồ sơ, "
           f"mã tra cứu {r.secret}.")
    return Words(f"Mời đánh giá việc giải quyết hồ sơ {r.code}", body, sms)


def sms_text(text: str) -> str:
    """The SMS as sent: without diacritics (đ → d), in the GSM-7 letters, at most MAX_SMS characters."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D").replace("“", '"').replace("”", '"'))
    ascii_only = "".join(c for c in plain if not unicodedata.combining(c))
    ascii_only = "".join(c if c.isascii() and c.isprintable() else "?" for c in ascii_only)
    return ascii_only if len(ascii_only) <= MAX_SMS else ascii_only[:MAX_SMS - 3].rstrip() + "..."


def money(amount: int) -> str:
    """`1.234.000 đồng`, as Vietnamese writes amounts."""
    return f"{amount:,} đồng".replace(",", ".")


def _letter(*paragraphs: str) -> str:
    return "\n\n".join(("Kính gửi Ông/Bà,", *paragraphs, _SIGNATURE)) + "\n"


def _item(item: MissingItem) -> str:
    form = DOCUMENT_FORM_LABELS.get(item.form, item.form)
    return f"{item.name} ({form.lower()}, {item.copies} bản)"


def _moment(at: datetime) -> str:
    local = at.astimezone(VN_TZ)
    return f"{local:%H:%M} ngày {local:%d/%m/%Y}"


def _day(at: datetime) -> str:
    return f"{at.astimezone(VN_TZ):%d/%m/%Y}"
