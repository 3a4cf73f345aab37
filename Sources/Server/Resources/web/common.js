// FastCert pages: what the console and the kiosk page share. The API key lives in sessionStorage
// (this tab only, gone when it closes), is sent in the Authorization header (never a cookie, so a
// forged cross-site request carries nothing), and never appears in a URL.
"use strict";

const FC = (() => {
  const STRINGS = {
    zh: {
      "app.console": "FastCert 认证管理台", "app.kiosk": "FastCert 生存认证终端",
      "lang.switch": "English", "signin.title": "登录", "signin.key": "访问密钥",
      "signin.help": "粘贴管理员或审计员密钥。密钥只保存在本标签页中，关闭即清除。",
      "signin.submit": "登录", "signin.out": "退出", "signin.bad": "密钥无效",
      "nav.overview": "概览", "nav.work": "工作清单", "nav.person": "人员", "nav.decisions": "冲突与审批",
      "nav.money": "发放与追回", "nav.enroll": "人脸登记",
      "overview.unit": "单位", "overview.month": "月份", "overview.trend": "近 12 个月：三种形式",
      "overview.byunit": "下级单位本月情况", "overview.silent": "无感认证占比", "overview.reminded": "提醒后认证占比",
      "overview.field": "上门核查数", "overview.persons": "人数", "overview.suspensions": "停发数", "overview.strong": "强证据占比",
      "overview.name": "名称", "overview.recoveries": "待追回",
      "fair.title": "对领取人的公平", "fair.about": "本月停发的人后来怎样了：90天内证实健在的人数，从停发到恢复发放的天数，申诉与通知的结果。",
      "fair.found_alive": "停发后证实健在（90天内）", "fair.days": "停发至恢复发放天数（中位数 · 95%）", "fair.paid_again": "已恢复发放",
      "fair.awaiting": "已恢复、待补发", "fair.appeals": "申诉（提出 · 支持 · 逾期）", "fair.upheld": "支持", "fair.overdue": "逾期",
      "fair.channel": "渠道", "fair.delivered": "已送达", "fair.failed": "失败", "fair.pending": "待发送", "fair.no_notices": "本月无通知",
      "channel.sms": "短信", "channel.wechat": "微信", "channel.community": "社区转交",
      "work.alerts": "提醒", "work.tasks": "任务", "work.kind": "类型", "work.person": "人员", "work.day": "日期",
      "work.detail": "说明", "work.reason": "原因", "work.note": "备注", "work.none": "没有待办事项",
      "work.seen_alive": "见到本人", "work.deceased": "已去世", "work.unreachable": "无法联系", "work.reached": "已通话",
      "work.recorded": "已记录", "work.confirm_deceased": "确认记录为已去世？这会停止发放。", "work.phone": "电话",
      "work.more": "更多", "work.all": "全部",
      "work.other_faces": "刷卡处出现他人面孔", "work.other_faces_help": "摄像头两次看到非持卡人本人的面孔：请上门见到本人。不保存任何图像。",
      "work.sites": "地点与日期", "person.sighting": "摄像头核验",
      "alert.warning": "预警", "alert.field-check": "上门核查", "alert.suspended": "已停发", "alert.conflict": "冲突",
      "alert.attention": "关注", "alert.tampering": "审计链异常", "alert.other-face": "他人面孔", "alert.back-pay": "补发待付",
      "alert.overdue": "任务逾期已上报", "alert.deadline-held": "上门逾期暂缓停发",
      "task.field_check": "上门核查", "task.home_visit": "入户探访", "task.phone_call": "电话联系", "task.attention": "健康关注",
      "task.duplicate_identity": "疑似重复身份",
      "person.search": "身份证号", "person.open": "查看", "person.state": "状态", "person.deadline": "认证截止",
      "person.last": "最近认证", "person.timeline": "证据与决定", "person.actor": "操作人", "person.enrolled": "人脸登记",
      "person.photos": "张参考照", "person.none": "未登记", "person.actions": "操作", "person.extend": "延期",
      "person.hold": "暂停发放", "person.reinstate": "申请恢复（需第二人审批）", "person.reverse": "申请撤销死亡记录（需第二人审批）",
      "person.until": "截止日期", "person.reason_ph": "原因（必填）", "person.done": "已提交",
      "dec.conflicts": "冲突（死亡后仍有生存迹象）", "dec.pending": "待审批", "dec.approve": "批准", "dec.reject": "驳回",
      "dec.rejected_evidence": "死亡记录成立", "dec.disputed": "死亡有争议", "dec.requested": "申请人",
      "money.runs": "发放批次", "money.recoveries": "多发追回", "money.export": "导出 CSV", "money.month": "月份",
      "money.lines": "明细", "money.total": "合计", "money.amount": "金额", "money.status": "状态",
      "money.recovered": "已追回", "money.waived": "免除",
      "enroll.person": "身份证号", "enroll.photos": "参考照片", "enroll.dry": "只检查，不保存", "enroll.submit": "上传登记",
      "enroll.accepted": "可用", "enroll.refused": "不可用",
      "enroll.consent": "人脸信息处理同意", "enroll.consent.person": "本人同意", "enroll.consent.guardian": "监护人同意", "enroll.guardian": "监护人姓名",
      "status.active": "正常", "status.suspended": "已停发", "status.deceased": "已去世", "status.held": "暂停",
      "err.network": "无法连接服务", "loading": "加载中…",
      "kiosk.key": "终端密钥", "kiosk.start": "开始认证", "kiosk.id": "请输入或扫描身份证号", "kiosk.next": "下一步",
      "kiosk.hello": "您好，", "kiosk.ready": "请正对摄像头，按提示慢慢转头", "kiosk.go": "开始",
      "kiosk.turn_left": "请慢慢向左转头，再转回来", "kiosk.turn_right": "请慢慢向右转头，再转回来",
      "kiosk.look_up": "请慢慢抬头，再转回来", "kiosk.look_down": "请慢慢低头，再转回来", "kiosk.move_closer": "请靠近一点",
      "kiosk.sending": "正在核验，请稍候…", "kiosk.verified": "认证成功", "kiosk.not_verified": "未能认证",
      "kiosk.retry": "请再试一次", "kiosk.locked": "尝试次数过多，请稍后再试或到社区办理", "kiosk.deadline": "下次认证截止：",
      "kiosk.status": "当前状态：", "kiosk.carried": "最近一次认证：",
      "alert.appeal": "申诉", "alert.appeal-overdue": "申诉逾期",
      "err.person_not_bound": "请先完成本人刷脸认证", "err.not_appealable": "当前状态无需申诉", "err.appeal_open": "已有待处理的申诉",
      "err.invalid_grounds": "请填写申诉理由", "err.invalid_relative": "请填写亲属姓名和关系", "err.appeal_closed": "申诉已处理",
      "err.appeal_pending": "申诉已支持，等待第二人审批", "err.unknown_appeal": "没有这个申诉",
      "kiosk.again": "返回首页", "kiosk.camera": "无法打开摄像头", "kiosk.not_enrolled": "尚未登记人脸，请到社区登记",
      "hint.frames": "请正对摄像头，保持不动，再试一次", "hint.face_lost": "请让整张脸一直在画面里，转头幅度小一点、慢一点",
      "hint.one_person": "画面里只能有本人一个人", "hint.move_closer": "请靠近摄像头一点", "hint.look_straight": "开始前请先正对摄像头",
      "hint.check_failed": "未通过检测：请本人站在摄像头前，光线充足，按提示操作", "hint.presentation_attack": "检测到屏幕或照片，请本人站在摄像头前",
      "hint.no_match": "与登记照片不符", "hint.no_face": "没有看到人脸：请正对摄像头，整张脸在画面里", "hint.photo": "照片不清楚，请再拍一次",
      "hint.challenge": "请按提示的顺序做：",
    },
    en: {
      "app.console": "FastCert console", "app.kiosk": "FastCert proof-of-life kiosk",
      "lang.switch": "中文", "signin.title": "Sign in", "signin.key": "API key",
      "signin.help": "Paste an operator or auditor key. It is kept in this tab only and gone when the tab closes.",
      "signin.submit": "Sign in", "signin.out": "Sign out", "signin.bad": "This key is not valid",
      "nav.overview": "Overview", "nav.work": "Worklists", "nav.person": "Person", "nav.decisions": "Conflicts & approvals",
      "nav.money": "Payroll & recoveries", "nav.enroll": "Enrollment",
      "overview.unit": "Unit", "overview.month": "Month", "overview.trend": "Last 12 months: the three forms",
      "overview.byunit": "Units below, this month", "overview.silent": "Silent share", "overview.reminded": "Reminded share",
      "overview.field": "Field checks", "overview.persons": "Persons", "overview.suspensions": "Suspensions", "overview.strong": "Strong share",
      "overview.name": "Name", "overview.recoveries": "Open recoveries",
      "fair.title": "Fairness to pensioners", "fair.about": "What became of the people suspended this month: how many were found alive within 90 days, the days from suspension to restored payment, appeals and notices.",
      "fair.found_alive": "Suspended, found alive (90 days)", "fair.days": "Days to restored payment (median · p95)", "fair.paid_again": "paid again",
      "fair.awaiting": "Resumed, awaiting back pay", "fair.appeals": "Appeals (filed · upheld · overdue)", "fair.upheld": "upheld", "fair.overdue": "overdue",
      "fair.channel": "Channel", "fair.delivered": "Delivered", "fair.failed": "Failed", "fair.pending": "Pending", "fair.no_notices": "No notices this month",
      "channel.sms": "SMS", "channel.wechat": "WeChat", "channel.community": "Via community",
      "work.alerts": "Alerts", "work.tasks": "Tasks", "work.kind": "Kind", "work.person": "Person", "work.day": "Day",
      "work.detail": "Detail", "work.reason": "Reason", "work.note": "Note", "work.none": "Nothing to do",
      "work.seen_alive": "Seen alive", "work.deceased": "Deceased", "work.unreachable": "Unreachable", "work.reached": "Reached",
      "work.recorded": "Recorded", "work.confirm_deceased": "Record this person as deceased? Payment stops.", "work.phone": "Phone",
      "work.more": "More", "work.all": "All",
      "work.other_faces": "Another face where the card was used", "work.other_faces_help": "A camera twice saw a face that is not the card holder's: see the person in person. No image is kept.",
      "work.sites": "Sites and days", "person.sighting": "camera sighting",
      "alert.warning": "warning", "alert.field-check": "field check", "alert.suspended": "suspended", "alert.conflict": "conflict",
      "alert.attention": "attention", "alert.tampering": "audit chain", "alert.other-face": "another face", "alert.back-pay": "back pay owed",
      "alert.overdue": "task overdue, escalated", "alert.deadline-held": "deadline held: visit overdue",
      "task.field_check": "Field check", "task.home_visit": "Home visit", "task.phone_call": "Phone call", "task.attention": "Health attention",
      "task.duplicate_identity": "Possible duplicate identity",
      "person.search": "Resident ID", "person.open": "Open", "person.state": "State", "person.deadline": "Deadline",
      "person.last": "Last certified", "person.timeline": "Evidence and decisions", "person.actor": "Actor", "person.enrolled": "Face enrollment",
      "person.photos": "reference photos", "person.none": "not enrolled", "person.actions": "Actions", "person.extend": "Extend",
      "person.hold": "Hold payment", "person.reinstate": "Request reinstatement (second approval)", "person.reverse": "Request death reversal (second approval)",
      "person.until": "Until", "person.reason_ph": "Reason (required)", "person.done": "Submitted",
      "dec.conflicts": "Conflicts (signs of life after a death)", "dec.pending": "Awaiting approval", "dec.approve": "Approve", "dec.reject": "Reject",
      "dec.rejected_evidence": "The death stands", "dec.disputed": "Death disputed", "dec.requested": "Requested by",
      "money.runs": "Payroll runs", "money.recoveries": "Overpayment recoveries", "money.export": "Export CSV", "money.month": "Month",
      "money.lines": "Lines", "money.total": "Total", "money.amount": "Amount", "money.status": "Status",
      "money.recovered": "Recovered", "money.waived": "Waive",
      "enroll.person": "Resident ID", "enroll.photos": "Reference photos", "enroll.dry": "Check only, do not store", "enroll.submit": "Upload",
      "enroll.accepted": "usable", "enroll.refused": "not usable",
      "enroll.consent": "Consent to process the face", "enroll.consent.person": "the person", "enroll.consent.guardian": "a guardian", "enroll.guardian": "Guardian's name",
      "status.active": "Active", "status.suspended": "Suspended", "status.deceased": "Deceased", "status.held": "Held",
      "err.network": "The service cannot be reached", "loading": "Loading…",
      "kiosk.key": "Kiosk key", "kiosk.start": "Start", "kiosk.id": "Enter or scan the resident ID", "kiosk.next": "Next",
      "kiosk.hello": "Hello, ", "kiosk.ready": "Face the camera and follow the prompts slowly", "kiosk.go": "Begin",
      "kiosk.turn_left": "Turn your head slowly to the left, then back", "kiosk.turn_right": "Turn your head slowly to the right, then back",
      "kiosk.look_up": "Look up slowly, then back", "kiosk.look_down": "Look down slowly, then back", "kiosk.move_closer": "Come a little closer",
      "kiosk.sending": "Checking, please wait…", "kiosk.verified": "Verified", "kiosk.not_verified": "Not verified",
      "kiosk.retry": "Please try again", "kiosk.locked": "Too many attempts: try later, or ask at the community office", "kiosk.deadline": "Next deadline: ",
      "kiosk.status": "Status: ", "kiosk.carried": "Last confirmed: ",
      "alert.appeal": "Appeal", "alert.appeal-overdue": "Appeal overdue",
      "err.person_not_bound": "Verify the person's face first", "err.not_appealable": "Nothing to appeal", "err.appeal_open": "An appeal is already open",
      "err.invalid_grounds": "Give the grounds of the appeal", "err.invalid_relative": "Give the relative's name and relation", "err.appeal_closed": "The appeal is already decided",
      "err.appeal_pending": "Upheld: waiting for a second operator", "err.unknown_appeal": "No such appeal",
      "kiosk.again": "Back to start", "kiosk.camera": "The camera cannot be opened", "kiosk.not_enrolled": "No face enrolled yet: please enroll at the community office",
      "hint.frames": "Face the camera, hold still, and try again", "hint.face_lost": "Keep your whole face in view, and turn only a little, slowly",
      "hint.one_person": "Only the person being checked should be in view", "hint.move_closer": "Come a little closer to the camera", "hint.look_straight": "Look straight at the camera before the first prompt",
      "hint.check_failed": "The check did not pass: stand in front of the camera yourself, in good light, and follow the prompts", "hint.presentation_attack": "The camera saw a screen or a photo: stand in front of it yourself",
      "hint.no_match": "The face does not match the enrolled photo", "hint.no_face": "No face found: look straight at the camera, with the whole face in view", "hint.photo": "The photo is not clear enough: try again",
      "hint.challenge": "Follow the prompts in order: ",
    },
  };

  let lang = localStorage.getItem("fastcert.lang") === "en" ? "en" : "zh";

  function t(key) { return (STRINGS[lang] && STRINGS[lang][key]) || STRINGS.en[key] || key; }

  /** Fills every element marked data-i18n (text) or data-i18n-ph (placeholder). */
  function translate(root) {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    (root || document).querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    (root || document).querySelectorAll("[data-i18n-ph]").forEach((el) => { el.placeholder = t(el.dataset.i18nPh); });
  }

  function switchLanguage() {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("fastcert.lang", lang);
    translate();
  }

  /** An element: el("td", {class: "x"}, "text", child...). Text is always text, never HTML. */
  function el(tag, attrs, ...children) {
    const node = tag === "svg" || ["rect", "line", "polyline", "text", "g", "circle", "path"].includes(tag)
      ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // The kiosk page keeps its own key: an operator signed in on the same machine is not a kiosk.
  const KEY = document.body.classList.contains("kiosk") ? "fastcert.kiosk-key" : "fastcert.key";
  function key() { return sessionStorage.getItem(KEY); }
  function setKey(value) { if (value) sessionStorage.setItem(KEY, value); else sessionStorage.removeItem(KEY); }

  /** The API's error, with its code and the message a person can act on. */
  class APIError extends Error {
    constructor(status, code, message, body) { super(message); this.status = status; this.code = code; this.body = body; }
  }

  /** Calls the API with the key in the Authorization header; JSON in, JSON (or a Blob) out. */
  async function api(method, path, { json, form, blob, headers } = {}) {
    const init = { method, headers: Object.assign({}, headers || {}), credentials: "omit", cache: "no-store" };
    if (key()) init.headers.Authorization = "Bearer " + key();
    if (json !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(json); }
    if (form) init.body = form;
    let response;
    try { response = await fetch(path, init); } catch (e) { throw new APIError(0, "network", t("err.network")); }
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (e) { /* not JSON */ }
      const error = body && body.error ? body.error : { code: "http_" + response.status, message: response.statusText };
      throw new APIError(response.status, error.code, error.message, error);
    }
    if (blob) return response.blob();
    return response.json();
  }

  /** A random idempotency key (a retried request is answered, not repeated). */
  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  return { t, translate, switchLanguage, el, key, setKey, api, APIError, randomKey, get lang() { return lang; } };
})();
