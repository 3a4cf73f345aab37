// The operator console: every figure and list comes from the API with the signed-in key; the
// service checks the key's role and unit on each call, so the page shows only what the key may see.
"use strict";

(() => {
  const { t, el, api } = FC;
  const main = document.getElementById("main");
  const statusLine = document.getElementById("status");
  let me = null;
  let units = [];

  function say(text) { statusLine.textContent = text || ""; if (text) setTimeout(() => { if (statusLine.textContent === text) statusLine.textContent = ""; }, 6000); }
  function fail(error) { say((error && error.message) || String(error)); }
  function card(...children) { return el("section", { class: "card" }, ...children); }
  function pct(x) { return (100 * x).toFixed(1) + "%"; }
  function unitName(code) { const u = units.find((x) => x.code === code); return u ? u.name : code; }
  function thisMonth() { const d = new Date(); return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0"); }
  function table(headers, rows, numeric) {
    return el("div", { class: "scroll" }, el("table", {},
      el("thead", {}, el("tr", {}, headers.map((h, i) => el("th", { class: numeric && numeric.includes(i) ? "num" : null }, h)))),
      el("tbody", {}, rows)));
  }
  async function download(path, name) {
    try {
      const blob = await api("GET", path, { blob: true });
      const url = URL.createObjectURL(blob);
      const a = el("a", { href: url, download: name });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (e) { fail(e); }
  }

  // ----- Sign-in -----
  async function signIn() {
    me = await api("GET", "/v1/me");
    if (me.role !== "operator" && me.role !== "auditor") throw new FC.APIError(403, "forbidden_role", t("signin.bad") + " (" + me.role + ")");
    units = (await api("GET", "/v1/units")).units;
    document.getElementById("who").textContent = me.name + " · " + me.role + " · " + me.unit_name;
    document.getElementById("signin").hidden = true;
    document.getElementById("nav").hidden = false;
    document.getElementById("signout").hidden = false;
  }
  document.getElementById("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("key");
    FC.setKey(input.value.trim());
    input.value = "";
    try { await signIn(); route(); } catch (e) {
      FC.setKey(null);
      document.getElementById("signin-error").textContent = e.status === 401 ? t("signin.bad") : e.message;
    }
  });
  document.getElementById("signout").addEventListener("click", () => { FC.setKey(null); location.hash = ""; location.reload(); });
  document.getElementById("lang").addEventListener("click", () => { FC.switchLanguage(); if (me) route(); });

  // ----- Overview: the three forms -----
  function lineChart(months, series, yMax, yLabel) {
    const W = 640, H = 220, L = 44, R = 10, T = 10, B = 28;
    const x = (i) => L + (months.length === 1 ? 0 : (i * (W - L - R)) / (months.length - 1));
    const y = (v) => T + (H - T - B) * (1 - v / yMax);
    const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": yLabel });
    for (let k = 0; k <= 5; k++) {
      const v = (yMax * k) / 5;
      svg.append(el("line", { class: "axis", x1: L, x2: W - R, y1: y(v), y2: y(v) }));
      svg.append(el("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end" }, Math.round(v * 100) + "%"));
    }
    months.forEach((m, i) => { if (i % 2 === months.length % 2 || months.length < 7) svg.append(el("text", { x: x(i), y: H - 8, "text-anchor": "middle" }, m.slice(2))); });
    for (const s of series) {
      svg.append(el("polyline", { fill: "none", stroke: s.color, "stroke-width": 2.5, points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ") }));
      s.values.forEach((v, i) => svg.append(el("circle", { cx: x(i), cy: y(v), r: 3, fill: s.color }, el("title", {}, `${months[i]}: ${pct(v)}`))));
    }
    return svg;
  }
  function barChart(labels, values, color, label) {
    const W = 640, rowH = 22, L = 150, R = 50, H = Math.max(40, labels.length * rowH + 10);
    const max = Math.max(1, ...values);
    const svg = el("svg", { class: "chart", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label });
    labels.forEach((name, i) => {
      const w = ((W - L - R) * values[i]) / max, yy = 5 + i * rowH;
      svg.append(el("text", { x: L - 6, y: yy + 14, "text-anchor": "end" }, name.length > 16 ? name.slice(0, 15) + "…" : name));
      svg.append(el("rect", { x: L, y: yy + 3, width: Math.max(w, 1), height: rowH - 8, fill: color }, el("title", {}, `${name}: ${values[i]}`)));
      svg.append(el("text", { x: L + w + 4, y: yy + 14 }, String(values[i])));
    });
    return svg;
  }

  async function overview(params) {
    const unit = params.get("unit") || me.unit_code;
    const month = params.get("month") || thisMonth();
    const select = el("select", { id: "unit" }, units.map((u) =>
      el("option", { value: u.code, selected: u.code === unit }, "\u00a0".repeat(2 * ["city", "district", "street", "community"].indexOf(u.level)) + u.name)));
    const monthInput = el("input", { id: "month", type: "month", value: month });
    const go = () => { location.hash = `overview?unit=${encodeURIComponent(select.value)}&month=${encodeURIComponent(monthInput.value || thisMonth())}`; };
    select.addEventListener("change", go); monthInput.addEventListener("change", go);
    main.replaceChildren(card(el("div", { class: "row" },
      el("div", {}, el("label", { for: "unit" }, t("overview.unit")), select),
      el("div", {}, el("label", { for: "month" }, t("overview.month")), monthInput))), card(el("p", { class: "muted" }, t("loading"))));
    // One request: the unit's twelve months (stored figures) and its child units' month.
    const answer = await api("GET", `/v1/stats/series?unit=${encodeURIComponent(unit)}&month=${encodeURIComponent(month)}&months=12`);
    const series = answer.series, months = series.map((s) => s.month);
    const current = series[series.length - 1];
    const byCode = new Map(answer.children.map((s) => [s.unit, s]));
    const children = units.filter((u) => u.parent_code === unit && byCode.has(u.code));
    const childStats = children.map((u) => byCode.get(u.code));
    const top = Math.max(0.2, ...series.map((s) => Math.max(s.silent_share, s.reminded_share)));
    const trend = card(
      el("h2", {}, unitName(unit) + " · " + t("overview.trend")),
      el("div", { class: "legend" }, el("span", { class: "silent" }, t("overview.silent")), el("span", { class: "reminded" }, t("overview.reminded"))),
      lineChart(months, [
        { color: "#0b5cad", values: series.map((s) => s.silent_share) },
        { color: "#e69500", values: series.map((s) => s.reminded_share) }], Math.min(1, Math.ceil(top * 10) / 10), t("overview.trend")),
      el("div", { class: "legend" }, el("span", { class: "field" }, t("overview.field"))),
      barChart(months, series.map((s) => s.field_checks), "#b3261e", t("overview.field")),
      table([t("overview.month"), t("overview.persons"), t("overview.silent"), t("overview.reminded"), t("overview.field"), t("overview.suspensions")],
        series.map((s) => el("tr", {}, el("td", {}, s.month), el("td", { class: "num" }, s.persons), el("td", { class: "num" }, pct(s.silent_share)),
          el("td", { class: "num" }, pct(s.reminded_share)), el("td", { class: "num" }, s.field_checks), el("td", { class: "num" }, s.suspensions))), [1, 2, 3, 4, 5]));
    const figures = el("dl", { class: "facts", id: "figures" },
      el("dt", {}, t("overview.persons")), el("dd", { "data-figure": "persons" }, current.persons),
      el("dt", {}, t("overview.silent")), el("dd", { "data-figure": "silent" }, pct(current.silent_share)),
      el("dt", {}, t("overview.reminded")), el("dd", { "data-figure": "reminded" }, pct(current.reminded_share)),
      el("dt", {}, t("overview.field")), el("dd", { "data-figure": "field" }, current.field_checks),
      el("dt", {}, t("overview.strong")), el("dd", {}, pct(current.strong_share)),
      el("dt", {}, t("overview.recoveries")), el("dd", {}, `${current.recoveries.open} · ¥${current.recoveries.open_amount}`));
    const below = children.length === 0 ? null : card(
      el("h2", {}, t("overview.byunit") + " (" + month + ")"),
      el("div", { class: "legend" }, el("span", { class: "field" }, t("overview.field"))),
      barChart(children.map((u) => u.name), childStats.map((s) => s.field_checks), "#b3261e", t("overview.byunit")),
      table([t("overview.name"), t("overview.persons"), t("overview.silent"), t("overview.reminded"), t("overview.field"), t("overview.suspensions")],
        children.map((u, i) => el("tr", {},
          el("td", {}, el("a", { href: `#overview?unit=${encodeURIComponent(u.code)}&month=${month}` }, u.name)),
          el("td", { class: "num" }, childStats[i].persons), el("td", { class: "num" }, pct(childStats[i].silent_share)),
          el("td", { class: "num" }, pct(childStats[i].reminded_share)), el("td", { class: "num" }, childStats[i].field_checks),
          el("td", { class: "num" }, childStats[i].suspensions))), [1, 2, 3, 4, 5]));
    // What became of the people at the other end (counted live, so a request of its own).
    const f = await api("GET", `/v1/stats?unit=${encodeURIComponent(unit)}&month=${encodeURIComponent(month)}`);
    const days = f.days_to_restored_payment || {};
    const channels = Object.keys(f.notices || {}).sort();
    const fairness = card(
      el("h2", {}, t("fair.title") + " (" + month + ")"),
      el("p", { class: "muted" }, t("fair.about")),
      el("dl", { class: "facts", id: "fairness" },
        el("dt", {}, t("overview.suspensions")), el("dd", { "data-figure": "suspensions" }, current.suspensions),
        el("dt", {}, t("fair.found_alive")), el("dd", { "data-figure": "found-alive" }, f.suspended_found_alive),
        el("dt", {}, t("fair.days")), el("dd", { "data-figure": "days-to-pay" },
          days.count ? `${days.median} · ${days.p95} (${t("fair.paid_again")} ${days.count})` : "—"),
        el("dt", {}, t("fair.awaiting")), el("dd", { "data-figure": "awaiting-pay" }, f.resumed_awaiting_payment),
        el("dt", {}, t("fair.appeals")), el("dd", { "data-figure": "appeals" },
          `${f.appeals.filed} · ${t("fair.upheld")} ${f.appeals.upheld} · ${t("fair.overdue")} ${f.appeals.overdue}`)),
      channels.length ? table([t("fair.channel"), t("fair.delivered"), t("fair.failed"), t("fair.pending")],
        channels.map((c) => el("tr", { "data-channel": c }, el("td", {}, t("channel." + c)), el("td", { class: "num" }, f.notices[c].delivered),
          el("td", { class: "num" }, f.notices[c].failed), el("td", { class: "num" }, f.notices[c].pending))), [1, 2, 3])
        : el("p", { class: "muted" }, t("fair.no_notices")));
    main.replaceChildren(main.firstChild, card(el("h2", {}, unitName(unit) + " · " + month), figures), fairness, trend, below || "");
  }

  // ----- Worklists -----
  function personLink(id, name) { return el("a", { href: "#person?id=" + encodeURIComponent(id) }, name + " " + id.slice(0, 6) + "…" + id.slice(-4)); }

  async function work(params) {
    const offset = Number(params.get("offset") || 0);
    const kind = params.get("kind") || "";
    const kinds = ["field_check", "home_visit", "phone_call", "attention", "duplicate_identity"];
    const filter = el("select", { id: "task-kind", onchange: (e) => { location.hash = "work" + (e.target.value ? "?kind=" + e.target.value : ""); } },
      el("option", { value: "" }, t("work.all")), kinds.map((k) => el("option", { value: k, selected: k === kind }, t("task." + k))));
    const [alerts, tasks, faces] = await Promise.all([api("GET", "/v1/alerts?limit=50"),
      api("GET", `/v1/tasks?limit=50&offset=${offset}${kind ? "&kind=" + kind : ""}`), api("GET", "/v1/alerts?kind=other-face&limit=50")]);
    const canAct = me.role === "operator";
    const taskRows = tasks.tasks.map((task) => {
      const note = el("input", { type: "text", maxlength: 500, "data-i18n-ph": "work.note", placeholder: t("work.note"), "aria-label": t("work.note") });
      const outcomes = task.kind === "phone_call" ? ["reached", "unreachable"] : ["seen_alive", "deceased", "unreachable"];
      const buttons = outcomes.map((outcome) => el("button", {
        type: "button", class: outcome === "deceased" ? "danger" : outcome === "unreachable" ? "secondary" : null, "data-outcome": outcome,
        onclick: async (event) => {
          if (outcome === "deceased" && !confirm(t("work.confirm_deceased"))) return;
          const row = event.target.closest("tr");
          row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
          try {
            await api("POST", `/v1/tasks/${task.id}/outcome`, { json: { outcome, note: note.value || undefined } });
            row.querySelector(".actions").replaceChildren(el("span", { class: "ok" }, t("work.recorded") + ": " + t("work." + outcome)));
            say(t("work.recorded"));
          } catch (e) { row.querySelectorAll("button").forEach((b) => { b.disabled = false; }); fail(e); }
        },
      }, t("work." + outcome)));
      return el("tr", { "data-task": task.id },
        el("td", {}, el("span", { class: "badge" }, t("task." + task.kind)), el("div", { class: "muted" }, task.key_day)),
        el("td", {}, personLink(task.resident_id, task.name), task.phone ? el("div", {}, t("work.phone") + ": ", el("a", { href: "tel:" + task.phone }, task.phone)) : null),
        el("td", { class: "hide-narrow" }, task.reason),
        el("td", {}, canAct ? el("div", {}, note, el("div", { class: "actions" }, buttons)) : el("span", { class: "muted" }, task.status)));
    });
    // Another face where the card was used: the sites and days, never an image (none is kept).
    const otherFaces = faces.alerts.length ? card(el("h2", {}, t("work.other_faces") + " (" + faces.alerts.length + ")"),
      el("p", { class: "muted" }, t("work.other_faces_help")),
      table([t("work.person"), t("work.day"), t("work.sites")], faces.alerts.map((a) => el("tr", { "data-other-face": a.resident_id },
        el("td", {}, personLink(a.resident_id, a.name)), el("td", {}, a.day), el("td", {}, a.detail))))) : null;
    main.replaceChildren(
      ...(otherFaces ? [otherFaces] : []),
      card(el("h2", {}, t("work.tasks") + " (" + tasks.tasks.length + (tasks.next_offset ? "+" : "") + ")"),
        el("div", { class: "row" }, el("div", {}, el("label", { for: "task-kind" }, t("work.kind")), filter)),
        taskRows.length ? table([t("work.kind"), t("work.person"), t("work.reason"), ""], taskRows) : el("p", { class: "muted" }, t("work.none")),
        tasks.next_offset ? el("a", { href: `#work?offset=${tasks.next_offset}${kind ? "&kind=" + kind : ""}` }, t("work.more")) : null),
      card(el("h2", {}, t("work.alerts") + " (" + alerts.alerts.length + (alerts.next_offset ? "+" : "") + ")"),
        alerts.alerts.length ? table([t("work.kind"), t("work.person"), t("work.day"), t("work.detail")], alerts.alerts.map((a) => el("tr", {},
          el("td", {}, el("span", { class: "badge" }, t("alert." + a.kind))), el("td", {}, personLink(a.resident_id, a.name)), el("td", {}, a.day),
          el("td", { class: "hide-narrow" }, a.detail)))) : el("p", { class: "muted" }, t("work.none"))));
  }

  // ----- Person -----
  async function person(params) {
    const id = params.get("id") || "";
    const input = el("input", { id: "resident", value: id, maxlength: 18, inputmode: "numeric", autocomplete: "off" });
    const form = el("form", { class: "row", onsubmit: (e) => { e.preventDefault(); location.hash = "person?id=" + encodeURIComponent(input.value.trim()); } },
      el("div", {}, el("label", { for: "resident" }, t("person.search")), input), el("button", { type: "submit" }, t("person.open")));
    main.replaceChildren(card(form));
    if (!id) return;
    const [p, ledger, enrollment] = await Promise.all([
      api("GET", "/v1/persons/" + encodeURIComponent(id)), api("GET", `/v1/persons/${encodeURIComponent(id)}/ledger`),
      api("GET", `/v1/persons/${encodeURIComponent(id)}/enrollments`).catch(() => null)]);
    const facts = el("dl", { class: "facts" },
      el("dt", {}, t("person.state")), el("dd", {}, el("span", { class: "badge " + ledger.status, id: "person-status" }, t("status." + ledger.status))),
      el("dt", {}, t("person.deadline")), el("dd", { id: "person-deadline" }, ledger.deadline),
      el("dt", {}, t("person.last")), el("dd", {}, ledger.last_certified || "—"),
      el("dt", {}, t("overview.unit")), el("dd", {}, unitName(p.unit_code)),
      el("dt", {}, t("work.phone")), el("dd", {}, p.phone || "—"),
      el("dt", {}, t("person.enrolled")), el("dd", {}, enrollment && enrollment.enrolled ? `${enrollment.reference_photos} ${t("person.photos")} (${(enrollment.enrolled_at || "").slice(0, 10)})` : t("person.none")));
    const timeline = table([t("work.day"), t("work.kind"), t("work.detail"), t("person.actor")],
      ledger.timeline.slice().reverse().map((e) => el("tr", { "data-kind": e.kind }, el("td", {}, e.day), el("td", {}, el("span", { class: "badge" }, e.kind === "sighting" ? t("person.sighting") : e.kind)),
        el("td", {}, e.detail), el("td", { class: "muted" }, e.actor || "—"))));
    timeline.id = "timeline";
    const blocks = [card(el("h2", {}, p.name + " · " + p.resident_id), facts), card(el("h2", {}, t("person.timeline")), timeline)];
    if (me.role === "operator") {
      const reason = el("input", { type: "text", id: "decision-reason", placeholder: t("person.reason_ph"), maxlength: 500, size: 40 });
      const until = el("input", { type: "date", id: "decision-until" });
      const decide = (kind, needsUntil) => el("button", {
        type: "button", class: "secondary", "data-decision": kind,
        onclick: async () => {
          try {
            await api("POST", "/v1/decisions", { json: { kind, resident_id: p.resident_id, reason: reason.value, until: needsUntil ? until.value : undefined } });
            say(t("person.done")); route();
          } catch (e) { fail(e); }
        },
      }, t({ extend: "person.extend", hold: "person.hold", reinstate: "person.reinstate", reverse_death: "person.reverse" }[kind]));
      blocks.push(card(el("h2", {}, t("person.actions")),
        el("div", { class: "row" }, el("div", {}, el("label", { for: "decision-reason" }, t("work.reason")), reason), el("div", {}, el("label", { for: "decision-until" }, t("person.until")), until)),
        el("div", { class: "actions" }, decide("extend", true), decide("hold", true), decide("reinstate", false), decide("reverse_death", false))));
    }
    main.append(...blocks);
  }

  // ----- Conflicts and four-eyes decisions -----
  async function decisions() {
    const [conflicts, pending] = await Promise.all([api("GET", "/v1/conflicts"), api("GET", "/v1/decisions?status=pending")]);
    const canAct = me.role === "operator";
    const reasonBox = () => el("input", { type: "text", placeholder: t("person.reason_ph"), maxlength: 500 });
    main.replaceChildren(
      card(el("h2", {}, t("dec.conflicts")), conflicts.conflicts.length ? table([t("work.person"), t("work.day"), t("work.detail"), ""],
        conflicts.conflicts.map((c) => {
          const reason = reasonBox();
          const act = (outcome, label) => el("button", { type: "button", class: "secondary", onclick: async () => {
            try { await api("POST", `/v1/conflicts/${c.id}/resolution`, { json: { outcome, reason: reason.value } }); say(t("person.done")); route(); } catch (e) { fail(e); }
          } }, label);
          return el("tr", {}, el("td", {}, personLink(c.resident_id, c.name)), el("td", {}, c.day), el("td", {}, c.cause),
            el("td", {}, c.resolution ? el("span", { class: "muted" }, c.resolution.status) : canAct ? el("div", {}, reason,
              el("div", { class: "actions" }, act("evidence_rejected", t("dec.rejected_evidence")), act("death_disputed", t("dec.disputed")))) : ""));
        })) : el("p", { class: "muted" }, t("work.none"))),
      card(el("h2", {}, t("dec.pending")), pending.decisions.length ? table([t("work.kind"), t("work.person"), t("work.reason"), t("dec.requested"), ""],
        pending.decisions.map((d) => {
          const reason = reasonBox();
          const act = (path, label) => el("button", { type: "button", class: path === "rejection" ? "secondary" : null, onclick: async () => {
            try { await api("POST", `/v1/decisions/${d.id}/${path}`, { json: { reason: reason.value || undefined } }); say(t("person.done")); route(); } catch (e) { fail(e); }
          } }, label);
          return el("tr", {}, el("td", {}, d.kind), el("td", {}, personLink(d.resident_id, d.name)), el("td", {}, d.reason),
            el("td", { class: "muted" }, d.requested_by + " · " + d.requested_on),
            el("td", {}, canAct ? el("div", {}, reason, el("div", { class: "actions" }, act("approval", t("dec.approve")), act("rejection", t("dec.reject")))) : ""));
        })) : el("p", { class: "muted" }, t("work.none"))));
  }

  // ----- Payroll runs and recoveries -----
  async function money() {
    const [runs, recoveries] = await Promise.all([api("GET", "/v1/payroll/runs"), api("GET", "/v1/recoveries")]);
    const canAct = me.role === "operator";
    main.replaceChildren(
      card(el("h2", {}, t("money.runs")), runs.runs.length ? table([t("money.month"), t("money.lines"), t("overview.persons"), t("money.total"), ""],
        runs.runs.map((r) => el("tr", {}, el("td", {}, r.month), el("td", { class: "num" }, r.lines), el("td", { class: "num" }, r.persons),
          el("td", { class: "num" }, "¥" + r.total),
          el("td", {}, el("button", { type: "button", class: "secondary", onclick: () => download(`/v1/payroll?month=${r.month}&format=csv`, `payroll-${r.month}.csv`) }, t("money.export"))))),
        [1, 2, 3]) : el("p", { class: "muted" }, t("work.none"))),
      card(el("h2", {}, t("money.recoveries") + (recoveries.next ? " (" + recoveries.recoveries.length + "+)" : "")),
        el("button", { type: "button", class: "secondary", onclick: () => download("/v1/recoveries?format=csv", "recoveries.csv") }, t("money.export")),
        recoveries.recoveries.length ? table([t("work.person"), t("money.month"), t("money.amount"), t("money.status"), ""],
          recoveries.recoveries.map((r) => {
            const reason = el("input", { type: "text", placeholder: t("person.reason_ph"), maxlength: 500 });
            const act = (outcome) => el("button", { type: "button", class: "secondary", onclick: async () => {
              try { await api("POST", `/v1/recoveries/${r.id}/closure`, { json: { outcome, reason: reason.value } }); say(t("person.done")); route(); } catch (e) { fail(e); }
            } }, t("money." + outcome));
            return el("tr", {}, el("td", {}, personLink(r.resident_id, r.name)), el("td", {}, r.months.join(", ")), el("td", { class: "num" }, "¥" + r.amount),
              el("td", {}, r.status), el("td", {}, r.status === "open" && canAct ? el("div", {}, reason, el("div", { class: "actions" }, act("recovered"), act("waived"))) : ""));
          }), [2]) : el("p", { class: "muted" }, t("work.none"))));
  }

  // ----- Enrollment of reference photos -----
  function enroll() {
    if (me.role !== "operator") { main.replaceChildren(card(el("p", { class: "muted" }, "operator only"))); return; }
    const id = el("input", { id: "enroll-id", maxlength: 18, inputmode: "numeric", required: true });
    const files = el("input", { id: "enroll-photos", type: "file", accept: "image/jpeg,image/png", multiple: true, required: true });
    const dry = el("input", { id: "enroll-dry", type: "checkbox" });
    // Consent to process the face (PIPL): who gave it; recorded with the operator and the day.
    const consent = el("select", { id: "enroll-consent", required: true },
      el("option", { value: "" }, "—"), el("option", { value: "person" }, t("enroll.consent.person")),
      el("option", { value: "guardian" }, t("enroll.consent.guardian")));
    const guardian = el("input", { id: "enroll-guardian", maxlength: 60 });
    const results = el("div", { class: "photos", id: "enroll-results" });
    const message = el("p", { id: "enroll-message" });
    const form = el("form", { onsubmit: async (event) => {
      event.preventDefault();
      const chosen = Array.from(files.files);
      const data = new FormData();
      chosen.forEach((f) => data.append("photo", f, f.name));
      message.textContent = t("loading"); results.replaceChildren();
      let outcome;
      try {
        const query = new URLSearchParams({ consent_by: consent.value });
        if (guardian.value.trim()) query.set("guardian", guardian.value.trim());
        if (dry.checked) query.set("dry_run", "true");
        outcome = await api("POST", `/v1/persons/${encodeURIComponent(id.value.trim())}/enrollments?${query}`, { form: data });
        message.className = "ok";
      } catch (e) { outcome = e.body || {}; message.className = "error"; message.textContent = e.message; }
      if (outcome.message) message.textContent = outcome.message;
      (outcome.photos || []).forEach((photo) => {
        const file = chosen[photo.index];
        const url = file ? URL.createObjectURL(file) : null;
        results.append(el("figure", {}, url ? el("img", { src: url, alt: file.name }) : null,
          el("figcaption", {}, el("strong", { class: photo.accepted ? "ok" : "error" }, (file ? file.name + ": " : "") + t(photo.accepted ? "enroll.accepted" : "enroll.refused")),
            el("ul", {}, (photo.reasons || []).map((r) => el("li", {}, r))))));
      });
    } },
    el("label", { for: "enroll-id" }, t("enroll.person")), id,
    el("label", { for: "enroll-photos" }, t("enroll.photos")), files,
    el("label", { for: "enroll-consent" }, t("enroll.consent")), consent,
    el("label", { for: "enroll-guardian" }, t("enroll.guardian")), guardian,
    el("label", {}, dry, " ", t("enroll.dry")),
    el("button", { type: "submit" }, t("enroll.submit")));
    main.replaceChildren(card(form, message, results));
  }

  // ----- Routing -----
  const pages = { overview, work, person, decisions, money, enroll };
  async function route() {
    if (!me) return;
    const [name, query] = (location.hash.slice(1) || "overview").split("?");
    const page = pages[name] || overview;
    document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", a.getAttribute("href") === "#" + (pages[name] ? name : "overview")));
    try { await page(new URLSearchParams(query || "")); } catch (e) {
      if (e.status === 401) { FC.setKey(null); location.reload(); return; }
      main.append(card(el("p", { class: "error", id: "page-error" }, e.message)));
    }
  }
  window.addEventListener("hashchange", route);

  FC.translate();
  if (FC.key()) {
    signIn().then(route).catch(() => { FC.setKey(null); document.getElementById("signin").hidden = false; });
  } else {
    document.getElementById("signin").hidden = false;
  }
})();
