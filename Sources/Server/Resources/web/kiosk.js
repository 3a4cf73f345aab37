// The reference kiosk: a resident ID, a liveness session, each prompt shown large (and spoken),
// frames captured from the camera with their capture times, one verification request, the outcome.
// Kiosk vendors and the mobile app copy this flow; the service decides everything.
"use strict";

(() => {
  const { t, api } = FC;
  const $ = (id) => document.getElementById(id);
  /** Per challenge: how long the prompt stays up, and the least time between two captured frames. */
  const PROMPT_MS = 3600, MIN_GAP_MS = 240, JPEG_QUALITY = 0.92;
  let stream = null, session = null, person = null;

  function show(section) { for (const id of ["setup", "identify", "capture", "result"]) $(id).hidden = id !== section; }
  function speak(text) {
    try { if ("speechSynthesis" in window) { const u = new SpeechSynthesisUtterance(text); u.lang = FC.lang === "zh" ? "zh-CN" : "en-US"; u.rate = 0.85; speechSynthesis.cancel(); speechSynthesis.speak(u); } } catch (e) { /* no voice */ }
  }
  function stopCamera() { if (stream) { stream.getTracks().forEach((track) => track.stop()); stream = null; } }
  function reset() {
    stopCamera(); session = null; person = null; $("status").hidden = true;
    $("resident").value = ""; $("identify-error").textContent = ""; $("prompt").textContent = "";
    $("progress-bar").style.width = "0";
    show(FC.key() ? "identify" : "setup");
    if (FC.key()) $("resident").focus();
  }

  $("lang").addEventListener("click", () => { FC.switchLanguage(); });
  $("setup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    FC.setKey($("kiosk-key").value.trim()); $("kiosk-key").value = "";
    try {
      const me = await api("GET", "/v1/me");
      if (me.role !== "kiosk" && me.role !== "mobile") throw new Error("a kiosk key is needed (this is " + me.role + ")");
      reset();
    } catch (e) { FC.setKey(null); $("setup-error").textContent = e.message; }
  });

  $("identify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const id = $("resident").value.trim().toUpperCase();
    $("identify-error").textContent = "";
    try {
      person = await api("GET", "/v1/persons/" + encodeURIComponent(id));
      if (!person.face_enrolled) { $("identify-error").textContent = t("kiosk.not_enrolled"); return; }
      session = await api("POST", "/v1/liveness/sessions", { json: { person_id: person.resident_id } });
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false });
      $("video").srcObject = stream;
      await $("video").play();
      $("greeting").textContent = t("kiosk.hello") + person.name_initial + "**";
      $("prompt").textContent = t("kiosk.ready");
      $("begin").hidden = false;
      show("capture");
    } catch (e) {
      stopCamera();
      $("identify-error").textContent = e instanceof FC.APIError ? e.message : t("kiosk.camera") + " (" + e.message + ")";
    }
  });

  /** Captures frames while `ms` pass, each a new camera frame at least MIN_GAP_MS after the last. */
  function captureFor(ms, t0, frames, canvas) {
    const video = $("video");
    return new Promise((resolve) => {
      const end = performance.now() + ms;
      let last = -Infinity, lastMediaTime = -1;
      const grab = (now, mediaTime) => {
        if (now >= end || frames.length >= session.max_frames) { resolve(); return; }
        // A new camera frame only (the same one twice tells the service nothing), spaced out.
        if (now - last >= MIN_GAP_MS && video.videoWidth > 0 && mediaTime !== lastMediaTime) {
          last = now; lastMediaTime = mediaTime;
          canvas.width = video.videoWidth; canvas.height = video.videoHeight;
          // Unmirrored: the frame as the camera sees it (the preview alone is mirrored).
          canvas.getContext("2d").drawImage(video, 0, 0);
          const at = Math.round(now - t0);
          frames.push(new Promise((done) => canvas.toBlob((blob) => done({ blob, at }), "image/jpeg", JPEG_QUALITY)));
        }
        if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback((_, meta) => grab(performance.now(), meta.mediaTime));
        else setTimeout(() => grab(performance.now(), video.currentTime), 40);
      };
      grab(performance.now(), -2);
    });
  }

  /** What to tell the person, in the page's language: from the service's stable hint code when it
   * sends one, else its own words. */
  function hintText(outcome) {
    const code = outcome.hint_code || "";
    if (code.startsWith("challenge:")) return t("hint.challenge") + t("kiosk." + code.slice(10));
    if (code.startsWith("photo:")) return t("hint.photo");
    const key = "hint." + code;
    return code && t(key) !== key ? t(key) : (outcome.reasons || []).join(" ");
  }

  $("begin").addEventListener("click", async () => {
    $("begin").hidden = true;
    const canvas = document.createElement("canvas");
    const pending = [];
    const t0 = performance.now();
    const steps = session.challenges;
    for (let i = 0; i < steps.length; i++) {
      const text = t("kiosk." + steps[i].challenge);
      $("prompt").textContent = text;
      $("prompt").dataset.challenge = steps[i].challenge;
      speak(text);
      $("progress-bar").style.width = Math.round((100 * (i + 1)) / steps.length) + "%";
      await captureFor(PROMPT_MS, t0, pending, canvas);
    }
    stopCamera();
    const frames = await Promise.all(pending);
    $("prompt").textContent = t("kiosk.sending");
    const form = new FormData();
    form.append("person_id", person.resident_id);
    form.append("liveness_session", session.session_id);
    form.append("timestamps", frames.map((f) => f.at).join(","));
    frames.forEach((f, i) => form.append("frame", f.blob, `frame${i}.jpg`));
    let outcome;
    try {
      outcome = await api("POST", "/v1/verifications", { form, headers: { "Idempotency-Key": FC.randomKey() } });
    } catch (e) {
      outcome = { decision: e.code === "locked_out" || e.code === "device_busy" ? "locked" : "error", reasons: [e.message] };
    }
    const verified = outcome.decision === "verified";
    $("outcome").textContent = verified ? t("kiosk.verified") : outcome.decision === "retry" ? t("kiosk.retry")
      : outcome.decision === "locked" ? t("kiosk.locked") : t("kiosk.not_verified");
    $("outcome").className = "outcome " + (verified ? "verified" : "failed");
    $("outcome").dataset.decision = outcome.decision;
    $("hint").textContent = verified ? t("kiosk.deadline") + outcome.deadline : hintText(outcome);
    $("hint").dataset.code = outcome.hint_code || "";
    $("status").hidden = true;
    speak($("outcome").textContent);
    show("result");
    if (verified) await showStatus(person.resident_id);
  });

  /** After a verification: the person's state, the evidence that carries them and what to do, in
   * the page's language (the service answers only for the person this kiosk just verified). */
  async function showStatus(id) {
    let status;
    try {
      status = await api("GET", "/v1/persons/" + encodeURIComponent(id) + "/status?lang=" + FC.lang);
    } catch (e) { return; }
    $("status-state").textContent = t("kiosk.status") + t("status." + status.status);
    $("status-state").dataset.status = status.status;
    const ev = status.last_evidence;
    $("status-evidence").textContent = ev ? t("kiosk.carried") + ev.label + " · " + ev.day + " · " + ev.department : "";
    $("status-evidence").dataset.kind = ev ? ev.kind : "";
    $("status-advice").replaceChildren(...status.advice.map((line) => FC.el("li", {}, line)));
    $("status").hidden = false;
  }
  $("again").addEventListener("click", reset);

  FC.translate();
  reset();
})();
