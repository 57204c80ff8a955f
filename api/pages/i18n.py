"""The pages' words in Vietnamese (first) and English, chosen by the `lang` cookie.

Form labels come from the JSON Schemas themselves (`title` / `x-title-en`); this table holds the rest.
"""

from __future__ import annotations

from typing import Any

from flask import request

from api.pages.stats_words import STATS_MESSAGES

LANGUAGES = ("vi", "en")

# key -> (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "product": ("Một cửa liên thông", "One-stop service"),
    "nav.counter": ("Quầy tiếp nhận", "Counter"),
    "nav.inbox": ("Hồ sơ cần xử lý", "Inbox"),
    "nav.dossiers": ("Hồ sơ của đơn vị", "Unit's dossiers"),
    "nav.admin": ("Quy trình thủ tục", "Procedures"),
    "nav.track": ("Tra cứu hồ sơ", "Track a dossier"),
    "nav.login": ("Đăng nhập", "Sign in"),
    "nav.logout": ("Đăng xuất", "Sign out"),
    "skip": ("Bỏ qua, đến nội dung chính", "Skip to the main content"),
    "login.title": ("Đăng nhập cán bộ", "Officer sign-in"),
    "login.username": ("Tên đăng nhập", "Username"),
    "login.password": ("Mật khẩu", "Password"),
    "login.failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "csrf": ("Phiên làm việc đã hết hạn, vui lòng thử lại.", "The session expired; please try again."),
    "counter.title": ("Tiếp nhận hồ sơ", "Receive a dossier"),
    "counter.search": ("Tìm thủ tục theo tên hoặc mã", "Find a procedure by name or code"),
    "counter.find": ("Tìm", "Find"),
    "counter.none": ("Không có thủ tục nào khớp.", "No procedure matches."),
    "counter.time_limit": ("Thời hạn giải quyết", "Time limit"),
    "counter.days": ("ngày làm việc", "working days"),
    "counter.same_day": ("Trong ngày", "Same day"),
    "counter.application": ("Tờ khai", "Application"),
    "counter.documents": ("Thành phần hồ sơ", "Documents"),
    "counter.required": ("bắt buộc", "required"),
    "counter.form_brought": ("Hình thức nộp", "Brought as"),
    "counter.scans": ("Tệp scan (PDF, JPEG, PNG)", "Scans (PDF, JPEG, PNG)"),
    "counter.kept": ("Đã tải lên", "Uploaded"),
    "counter.file_refused": ("Tệp không được chấp nhận", "File refused"),
    "counter.reception": ("Tiếp nhận", "Reception"),
    "counter.return_unit": ("Nơi trả kết quả", "Return the result at"),
    "counter.submit": ("Tiếp nhận và in phiếu hẹn", "Receive and print the receipt"),
    "counter.received": ("Đã tiếp nhận hồ sơ", "Dossier received"),
    "counter.missing": ("Chưa có thành phần bắt buộc", "Required documents missing"),
    "counter.fix": ("Hồ sơ chưa hợp lệ, xem các ô được đánh dấu.", "The form has errors; see the marked fields."),
    "counter.resent": ("Biểu mẫu này đã được gửi với nội dung khác; gửi lại để tiếp nhận một hồ sơ mới. "
                       "Hồ sơ đã tiếp nhận trước đó:",
                       "This form was sent before with other content; send it again to receive a new dossier. "
                       "The dossier received before:"),
    # The acceptance decision (issue 19): the intake queue, a submission's page, the counter's three buttons.
    "nav.intake": ("Hồ sơ chờ tiếp nhận", "Intake queue"),
    "intake.title": ("Hồ sơ chờ tiếp nhận", "Submissions waiting for reception"),
    "intake.waiting": ("Chờ kiểm tra", "Waiting for the check"),
    "intake.guided": ("Đã hướng dẫn bổ sung", "Guided to complete"),
    "intake.empty": ("Không có hồ sơ nào đang chờ.", "No submission is waiting."),
    "intake.reference": ("Mã hồ sơ nộp", "Submission id"),
    "intake.channel": ("Hình thức nộp", "Channel"),
    "intake.submitted_at": ("Nộp lúc", "Submitted at"),
    "intake.resubmitted_at": ("Nộp lại lúc", "Resubmitted at"),
    "intake.waited": ("Đã chờ", "Waiting for"),
    "intake.guided_at": ("Hướng dẫn lúc", "Guided at"),
    "intake.decided_at": ("Quyết định lúc", "Decided at"),
    "intake.submission": ("Hồ sơ nộp", "Submission"),
    "intake.components": ("Thành phần hồ sơ đã nộp", "Components handed in"),
    "intake.no_components": ("Không kèm thành phần nào.", "No components were handed in."),
    "intake.matches": ("ứng với", "matches"),
    "intake.checklist": ("Đối chiếu thành phần hồ sơ", "Document checklist"),
    "intake.decision": ("Kiểm tra và quyết định", "Check and decide"),
    "intake.guide": ("Hướng dẫn bổ sung", "Guide to complete"),
    "intake.refuse": ("Từ chối tiếp nhận", "Refuse reception"),
    "intake.accept_needs": ("Chỉ tiếp nhận khi có đủ thành phần hồ sơ bắt buộc; nếu thiếu, hướng dẫn bổ sung.",
                            "Accept only with every required document; if one is missing, guide the applicant."),
    "intake.items": ("Thành phần cần bổ sung, hoàn thiện (mỗi dòng một loại)", "Items to complete (one per line)"),
    "intake.item": ("Thành phần cần bổ sung, hoàn thiện", "Item to complete"),
    "intake.quantity": ("Số lượng", "Quantity"),
    "intake.reasons": ("Lý do (khi hướng dẫn bổ sung hoặc từ chối tiếp nhận)", "Reasons (to guide or to refuse)"),
    "intake.return_method": ("Nhận kết quả", "Result by"),
    "intake.guided_title": ("Đã hướng dẫn bổ sung, hoàn thiện hồ sơ", "Guided to complete the dossier"),
    "intake.refused_title": ("Đã từ chối tiếp nhận hồ sơ", "Reception refused"),
    "intake.accepted_title": ("Đã tiếp nhận hồ sơ", "Accepted"),
    "intake.not_received": ("Hồ sơ chưa được tiếp nhận: không có mã hồ sơ, không tính thời hạn giải quyết.",
                            "Not received: no dossier code, no clock running."),
    "intake.never_received": ("Hồ sơ không được tiếp nhận: không có mã hồ sơ, không tính thời hạn giải quyết.",
                              "Never received: no dossier code, no clock."),
    "intake.wait_resubmit": ("Chờ công dân bổ sung và nộp lại; khi nộp lại, hồ sơ trở lại hàng chờ. "
                             "Chỉ còn có thể từ chối tiếp nhận.",
                             "Waiting for the applicant to complete it; a resubmission brings it back to the "
                             "queue. It may only be refused now."),
    "intake.wait_in_person": ("Khi công dân mang đủ thành phần hồ sơ đến, tiếp nhận tại Quầy tiếp nhận. "
                              "Chỉ còn có thể từ chối tiếp nhận hồ sơ này.",
                              "When the applicant brings what is missing, receive it at the counter. This "
                              "submission may only be refused now."),
    "intake.resent": ("Biểu mẫu này đã được gửi với nội dung khác; gửi lại để ghi nhận một quyết định mới.",
                      "This form was sent before with other content; send it again to record a new decision."),
    "intake.stage.waiting": ("Chờ tiếp nhận", "Waiting"),
    "intake.stage.guided": ("Chờ bổ sung", "Guided"),
    "intake.stage.accepted": ("Đã tiếp nhận", "Accepted"),
    "intake.stage.refused": ("Từ chối tiếp nhận", "Refused"),
    "channel.in_person": ("Trực tiếp", "In person"),
    "channel.online": ("Trực tuyến", "Online"),
    "channel.post": ("Qua bưu chính", "By post"),
    "slip.guidance": ("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", "Guidance to complete the dossier"),
    "time.days": ("ngày", "d"),
    "time.hours": ("giờ", "h"),
    "time.minutes": ("phút", "min"),
    "inbox.title": ("Hồ sơ cần xử lý", "Inbox"),
    "inbox.empty": ("Không có việc nào đang chờ.", "Nothing is waiting."),
    "inbox.filter": ("Lọc", "Filter"),
    "inbox.all": ("Tất cả", "All"),
    "inbox.step": ("Bước", "Step"),
    "inbox.due": ("Hạn bước", "Step due"),
    "inbox.clock_stopped": ("Dừng tính thời gian từ", "Clock stopped since"),
    "inbox.status": ("Tình trạng", "Status"),
    "inbox.completed": ("Đã xử lý", "Completed"),
    "inbox.ready": ("Đang chờ", "Waiting"),
    "dossiers.title": ("Hồ sơ của đơn vị", "The unit's dossiers"),
    "col.code": ("Mã hồ sơ", "Dossier code"),
    "col.procedure_code": ("Mã thủ tục", "Procedure code"),
    "col.procedure": ("Thủ tục", "Procedure"),
    "col.applicant": ("Người nộp", "Applicant"),
    "col.received": ("Ngày nhận", "Received"),
    "col.due": ("Hẹn trả", "Appointment"),
    "col.status": ("Trạng thái", "Status"),
    "col.unit": ("Đơn vị", "Unit"),
    "col.role": ("Vai trò", "Role"),
    "dossier.title": ("Hồ sơ", "Dossier"),
    "dossier.received_at": ("Tiếp nhận lúc", "Received at"),
    "dossier.submitted_at": ("Nộp hồ sơ lúc", "Handed in at"),
    "dossier.due_at": ("Hẹn trả kết quả", "Appointment"),
    "dossier.deadline_at": ("Hạn theo quy định", "Legal deadline"),
    "dossier.receiving": ("Nơi tiếp nhận", "Received at"),
    "dossier.competent": ("Đơn vị giải quyết", "Competent unit"),
    "dossier.returning": ("Nơi trả kết quả", "Returned at"),
    "dossier.version": ("Phiên bản quy trình", "Procedure version"),
    "dossier.timeliness": ("Tiến độ", "Timeliness"),
    "dossier.tasks": ("Các bước xử lý", "Steps"),
    "dossier.history": ("Quá trình xử lý", "History"),
    "dossier.application": ("Thông tin tờ khai", "Application"),
    "dossier.documents": ("Thành phần hồ sơ", "Documents"),
    "dossier.slips": ("Phiếu in", "Slips"),
    "dossier.actions": ("Thao tác", "Actions"),
    "dossier.no_actions": ("Không có thao tác nào bạn được làm lúc này.", "Nothing you may do now."),
    "dossier.complete": ("Hoàn thành bước", "Complete the step"),
    "dossier.done": ("Đã thực hiện", "Done"),
    "dossier.notices": ("Văn bản đã ban hành", "Notices issued"),
    "action.request_supplement": ("Yêu cầu bổ sung hồ sơ", "Request supplementation"),
    "action.supplement": ("Đã nhận bổ sung", "Supplement received"),
    "action.refuse": ("Từ chối tiếp nhận", "Refuse"),
    "action.withdraw": ("Rút hồ sơ", "Withdraw"),
    "action.stop": ("Dừng giải quyết", "Stop handling"),
    "action.extend": ("Xin lỗi và hẹn lại", "Apologise and set a new date"),
    "action.return": ("Trả kết quả", "Return the result"),
    "action.done": ("Đã ghi nhận.", "Done."),
    "field.reasons": ("Lý do", "Reasons"),
    "field.items": ("Giấy tờ cần bổ sung (mỗi dòng một loại)", "Documents to add (one per line)"),
    "field.note": ("Ghi chú", "Note"),
    "field.new_due_at": ("Ngày giờ hẹn mới", "New appointment"),
    "field.method": ("Hình thức trả", "How it is returned"),
    "method.counter": ("Trực tiếp tại quầy", "At the counter"),
    "method.post": ("Qua dịch vụ bưu chính", "By post"),
    "method.online": ("Trực tuyến", "Online"),
    "slip.receipt": ("Giấy tiếp nhận và hẹn trả kết quả", "Receipt and appointment"),
    "slip.control_sheet": ("Phiếu kiểm soát quá trình giải quyết", "Processing control sheet"),
    "slip.supplement_request": ("Phiếu yêu cầu bổ sung", "Supplementation request"),
    "slip.refusal": ("Phiếu từ chối tiếp nhận", "Refusal slip"),
    "slip.apology": ("Văn bản xin lỗi, gia hạn", "Apology and extension"),
    "slip.stop_notice": ("Thông báo dừng giải quyết", "Stop notice"),
    "slip.register": ("Sổ theo dõi hồ sơ", "Tracking register"),
    "track.title": ("Tra cứu tình trạng hồ sơ", "Track your dossier"),
    "track.code": ("Mã hồ sơ", "Dossier code"),
    "track.secret": ("Mã tra cứu (trên giấy hẹn)", "Look-up secret (on the receipt)"),
    "track.submit": ("Tra cứu", "Look up"),
    "track.not_found": ("Không tìm thấy hồ sơ với mã và mã tra cứu này.",
                        "No dossier matches this code and secret."),
    "track.locked": ("Mã hồ sơ này tạm khóa tra cứu vì mã tra cứu bị nhập sai quá nhiều lần. "
                     "Vui lòng thử lại sau {minutes} phút.",
                     "This dossier code is locked for a while after too many wrong secrets. "
                     "Please try again in {minutes} minutes."),
    "track.reference_title": ("Nộp hồ sơ trực tuyến, chưa có giấy tiếp nhận?", "Applied online, no receipt yet?"),
    "track.reference": ("Mã hồ sơ trên Cổng Dịch vụ công", "Your application's id on the national portal"),
    "track.reference_not_found": ("Không tìm thấy hồ sơ nộp trực tuyến với mã này. Hồ sơ đã được tiếp nhận thì "
                                  "nhập mã hồ sơ cùng mã tra cứu trên giấy tiếp nhận.",
                                  "No online application has this id. Once received, look it up with the dossier "
                                  "code and the secret on the receipt."),
    "track.submission.waiting": ("Hồ sơ đã được gửi đến {centre}, đang chờ cán bộ kiểm tra để tiếp nhận.",
                                 "Sent to {centre}; waiting for an officer to check it and receive it."),
    "track.submission.guided": ("Hồ sơ chưa được tiếp nhận vì cần bổ sung, hoàn thiện. Vui lòng chuẩn bị các giấy "
                                "tờ dưới đây và nộp lại hồ sơ trên Cổng Dịch vụ công.",
                                "Not received yet: it must be completed. Please prepare the documents below and "
                                "send the application again through the portal."),
    "track.submission.refused": ("Hồ sơ không được tiếp nhận. Lý do ghi trong phiếu từ chối tiếp nhận gửi ông/bà.",
                                 "Not received. The reasons are on the refusal slip sent to you."),
    "track.submission.accepted": ("Hồ sơ đã được tiếp nhận với mã hồ sơ {code}. Tra cứu tiếp bằng mã hồ sơ và mã "
                                  "tra cứu ghi trên giấy tiếp nhận.",
                                  "Received as dossier {code}. Follow it with the dossier code and the secret on "
                                  "the receipt."),
    "track.bring": ("Giấy tờ cần bổ sung", "Documents to bring"),
    "track.sent_to": ("Nơi nhận hồ sơ", "Sent to"),
    "track.decided_at": ("Cán bộ kiểm tra lúc", "Checked at"),
    "track.continue": ("Tra cứu hồ sơ", "Look up dossier"),
    "track.status": ("Tình trạng", "Status"),
    "track.stages": ("Các bước đã qua", "Stages passed"),
    "track.rate": ("Đánh giá mức độ hài lòng", "Rate the service"),
    "track.comment": ("Góp ý (không bắt buộc)", "Comment (optional)"),
    "track.send": ("Gửi đánh giá", "Send"),
    "track.thanks": ("Cảm ơn ông/bà đã đánh giá.", "Thank you for your rating."),
    "track.procedures": ("Thủ tục hành chính", "Procedures"),
    "track.rated": ("Đánh giá của ông/bà", "Your rating"),
    "admin.title": ("Quy trình thủ tục hành chính", "Procedures"),
    "admin.versions": ("Phiên bản", "Versions"),
    "admin.published": ("Ban hành", "Published"),
    "admin.edit": ("Sửa sơ đồ", "Edit diagram"),
    "admin.forms": ("Sửa biểu mẫu", "Edit forms"),
    "admin.validate": ("Kiểm tra", "Validate"),
    "admin.publish": ("Ban hành phiên bản mới", "Publish a new version"),
    "admin.valid": ("Hợp lệ, có thể ban hành.", "Valid; ready to publish."),
    "admin.problems": ("Vấn đề cần sửa", "Problems to fix"),
    "admin.show": ("Xem phần tử", "Show element"),
    "admin.download": ("Tải tệp .bpmn", "Download .bpmn"),
    "admin.form": ("Biểu mẫu", "Form"),
    "admin.published_ok": ("Đã ban hành phiên bản", "Published version"),
    "error.403": ("Bạn không có quyền xem trang này", "You may not see this page"),
    "error.404": ("Không tìm thấy trang", "Page not found"),
    "error.title": ("Không thực hiện được", "Could not do that"),
    "timeliness.none": ("—", "—"),
    "doc.original": ("bản chính", "original"),
    "doc.certified_copy": ("bản sao chứng thực", "certified copy"),
    "doc.photocopy": ("bản chụp", "photocopy"),
    "doc.electronic": ("bản điện tử", "electronic"),
    "doc.copies": ("bản", "copies"),
    # Files, step outputs, the financial-obligation notice and the signed electronic result (issue 20).
    "files.title": ("Thành phần hồ sơ", "Components"),
    "files.listed": ("theo quy định", "as listed"),
    "files.brought": ("Đã nộp", "Brought"),
    "files.not_brought": ("Không nộp", "Not brought"),
    "files.none": ("Chưa có tệp nào.", "No file yet."),
    "files.name": ("Tệp", "File"),
    "files.type": ("Loại", "Type"),
    "files.size": ("Dung lượng", "Size"),
    "files.source": ("Nguồn", "Source"),
    "files.added": ("Thêm lúc", "Added"),
    "files.component": ("Thành phần", "Component"),
    "files.add": ("Thêm tệp", "Add files"),
    "files.upload": ("Tải lên", "Upload"),
    "files.reuse": ("Tái sử dụng kết quả đã cấp", "Re-use an earlier result"),
    "files.reuse_button": ("Tái sử dụng", "Re-use"),
    "files.other_components": ("Thành phần khác đã nộp", "Other components brought"),
    "files.handed_in": ("Tệp đính kèm", "Files handed in"),
    "source.counter": ("Quầy", "Counter"),
    "source.online": ("Trực tuyến", "Online"),
    "source.step": ("Bước xử lý", "Handling step"),
    "source.reused": ("Tái sử dụng", "Re-used"),
    "source.result": ("Kết quả", "Result"),
    "outputs.title": ("Kết quả các bước", "What the steps recorded"),
    "outputs.nothing": ("Không ghi nhận thông tin.", "Nothing recorded."),
    "notice.title": ("Thông báo nộp nghĩa vụ tài chính", "Financial-obligation notice"),
    "notice.number": ("Số thông báo", "Notice number"),
    "notice.total": ("Tổng số tiền phải nộp", "Total to pay"),
    "notice.deadline": ("Hạn nộp", "Pay by"),
    "result.title": ("Kết quả điện tử", "Electronic result"),
    "result.hint": ("Kết quả được lập từ thông tin các bước đã ghi nhận, hoặc từ tệp PDF ông/bà chọn, và ký số "
                    "bằng chứng thư số của đơn vị.",
                    "The result is made from what the steps recorded, or from the PDF you choose, and signed with "
                    "the unit's certificate."),
    "result.upload": ("Tệp PDF kết quả (không bắt buộc)", "Result PDF (optional)"),
    "result.issue": ("Ký số và cấp kết quả điện tử", "Sign and issue the electronic result"),
    "result.issued": ("Đã ký số và cấp kết quả điện tử.", "The electronic result is signed and issued."),
    "result.done": ("Đã cấp kết quả điện tử có ký số.", "The signed electronic result has been issued."),
    "result.open": ("Mở kết quả điện tử", "Open the electronic result"),
    "track.result": ("Tải kết quả điện tử có ký số", "Download the signed electronic result"),
    "verify.title": ("Kiểm tra chữ ký số trên kết quả", "Check a signed result"),
    "verify.lead": ("Chọn tệp PDF kết quả điện tử để kiểm tra chữ ký số: đơn vị ký, thời điểm ký và tệp có bị "
                    "sửa đổi sau khi ký hay không.",
                    "Choose the PDF of an electronic result to check its digital signature: who signed it, when, "
                    "and whether it was changed after signing."),
    "verify.file": ("Tệp PDF", "PDF file"),
    "verify.submit": ("Kiểm tra", "Check"),
    "verify.missing": ("Chọn một tệp PDF.", "Choose a PDF file."),
    "verify.too_large": ("Tệp quá lớn.", "The file is too large."),
    "verify.valid": ("Chữ ký số hợp lệ", "The signature is valid"),
    "verify.unsigned": ("Tệp không có chữ ký số", "The file is not signed"),
    "verify.not_intact": ("Tệp đã bị sửa đổi sau khi ký", "The file was changed after signing"),
    "verify.not_trusted": ("Chữ ký không thuộc đơn vị được tin cậy", "The signer is not trusted"),
    "verify.signed": ("Có chữ ký số", "Signed"),
    "verify.intact": ("Nguyên vẹn từ khi ký", "Unchanged since signing"),
    "verify.trusted": ("Chứng thư số được tin cậy", "Trusted certificate"),
    "verify.signer": ("Đơn vị ký", "Signed by"),
    "verify.signed_at": ("Thời điểm ký", "Signed at"),
    "role.reception": ("Tiếp nhận và trả kết quả", "Reception"),
    "role.specialist": ("Chuyên viên", "Specialist"),
    "role.leader": ("Lãnh đạo", "Leader"),
    "role.supervisor": ("Giám sát", "Supervisor"),
    "role.admin": ("Quản trị", "Admin"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "save": ("Lưu", "Save"),
    "cancel": ("Huỷ", "Cancel"),
    "print": ("In", "Print"),
}

# Form-rule failures, keyed by the JSON Schema keyword (engine.domain.forms gives the rule).
RULES: dict[str, tuple[str, str]] = {
    "required": ("Bắt buộc nhập.", "Required."),
    "pattern": ("Không đúng định dạng.", "Not in the expected format."),
    "format": ("Không đúng định dạng.", "Not in the expected format."),
    "enum": ("Chọn một giá trị trong danh sách.", "Choose one of the options."),
    "type": ("Sai kiểu dữ liệu.", "Wrong kind of value."),
    "minLength": ("Quá ngắn.", "Too short."),
    "maxLength": ("Quá dài.", "Too long."),
    "minimum": ("Nhỏ hơn mức tối thiểu.", "Below the minimum."),
    "maximum": ("Lớn hơn mức tối đa.", "Above the maximum."),
}

MESSAGES.update(STATS_MESSAGES)

STATUS_EN = {
    "submitted": "Submitted", "received": "Received", "refused": "Refused", "processing": "Processing",
    "supplement_requested": "Supplementation requested", "awaiting_payment": "Awaiting payment",
    "withdrawn": "Withdrawn", "stopped": "Stopped", "result_ready": "Result ready", "returned": "Returned",
}
TIMELINESS_EN = {
    "before_time": "Before time", "on_time": "On time", "late": "Late", "in_time": "In time",
    "near_due": "Near due", "overdue": "Overdue",
}


def lang() -> str:
    chosen = request.cookies.get("lang", "vi")
    return chosen if chosen in LANGUAGES else "vi"


def t(key: str) -> str:
    vi, en = MESSAGES.get(key, (key, key))
    return en if lang() == "en" else vi


def rule_message(rule: str, fallback: str) -> str:
    if rule not in RULES:
        return fallback
    vi, en = RULES[rule]
    return en if lang() == "en" else vi


def localized(item: Any, vi_key: str = "vi", en_key: str = "en") -> str:
    """A `{"vi": …, "en": …}` label from a manifest, in the page's language."""
    if isinstance(item, dict):
        return str(item.get(en_key) if lang() == "en" and item.get(en_key) else item.get(vi_key, ""))
    return str(item)


def status_label(status: Any) -> str:
    return STATUS_EN.get(str(status), str(status)) if lang() == "en" else status.label_vi


def timeliness_label(value: Any) -> str:
    if value is None:
        return t("timeliness.none")
    return TIMELINESS_EN.get(str(value), str(value)) if lang() == "en" else value.label_vi


EVENTS: dict[str, tuple[str, str]] = {
    "submitted": ("Nộp hồ sơ", "Submitted"),
    "received": ("Tiếp nhận hồ sơ", "Received"),
    "task_completed": ("Hoàn thành bước", "Step completed"),
    "handed_over": ("Chuyển hồ sơ đến", "Handed over to"),
    "status_changed": ("Chuyển trạng thái", "Status changed"),
    "clock_paused": ("Tạm dừng tính thời gian", "Clock stopped"),
    "clock_resumed": ("Tiếp tục tính thời gian", "Clock restarted"),
    "deadline_extended": ("Gia hạn / hẹn lại", "Appointment moved"),
    "notice_issued": ("Ban hành văn bản", "Notice issued"),
    "supplemented": ("Đã nhận bổ sung", "Supplemented"),
    "near_due": ("Sắp đến hạn", "Near due"),
    "overdue": ("Quá hạn", "Overdue"),
    "timer_fired": ("Hết thời gian chờ", "Timer fired"),
    "rated": ("Công dân đánh giá", "Rated by the citizen"),
    "file_attached": ("Đính kèm tệp", "File attached"),
    "result_issued": ("Cấp kết quả điện tử có ký số", "Signed electronic result issued"),
}


def event_label(kind: Any) -> str:
    vi, en = EVENTS.get(str(kind), (str(kind), str(kind)))
    return en if lang() == "en" else vi


# What each status means for the citizen, in plain words (the status page, on a phone).
CITIZEN: dict[str, tuple[str, str]] = {
    "submitted": ("Hồ sơ đã được gửi, đang chờ cán bộ tiếp nhận.", "Sent; waiting for an officer to receive it."),
    "received": ("Hồ sơ đã được tiếp nhận và sắp được chuyển xử lý.", "Received; about to be handled."),
    "refused": ("Hồ sơ không được tiếp nhận. Lý do ghi trong phiếu từ chối đã giao cho ông/bà.",
                "Refused. The reasons are on the refusal slip you were given."),
    "processing": ("Hồ sơ đang được giải quyết. Ông/bà chưa cần làm gì thêm.",
                   "Being handled. There is nothing you need to do yet."),
    "supplement_requested": ("Hồ sơ cần bổ sung giấy tờ. Vui lòng mang giấy tờ còn thiếu đến nơi đã nộp hồ sơ.",
                             "Documents are missing. Please bring them to the centre where you applied."),
    "awaiting_payment": ("Ông/bà cần nộp thuế, phí theo thông báo trước khi hồ sơ được giải quyết tiếp.",
                         "Please pay the notified taxes or fees before handling continues."),
    "withdrawn": ("Hồ sơ đã được rút theo đề nghị của ông/bà.", "Withdrawn at your request."),
    "stopped": ("Hồ sơ đã dừng giải quyết. Lý do ghi trong thông báo gửi ông/bà.",
                "Handling stopped. The reasons are in the notice sent to you."),
    "result_ready": ("Đã có kết quả. Mời ông/bà đến nhận theo giấy hẹn.",
                     "The result is ready. Please collect it as your receipt says."),
    "returned": ("Đã trả kết quả. Cảm ơn ông/bà.", "The result has been handed over. Thank you."),
}


def citizen_status(status: Any) -> str:
    vi, en = CITIZEN.get(str(status), ("", ""))
    return en if lang() == "en" else vi
