// sseh-lit review: keyboard shortcuts, quick field saves (small JSON POSTs) and the help overlay.
// No framework, no inline script (the page's Content-Security-Policy forbids it).
(() => {
  "use strict";

  const csrf = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };
  const help = document.getElementById("help");
  const helpOpen = () => help && !help.hidden;
  const toggleHelp = (show) => {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  };

  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRF-Token": csrf(),
        },
        body: JSON.stringify(body),
      });
    } catch (e) {
      // No answer at all (server stopped, network down): say so; the typed value stays.
      return {
        status: 0,
        data: { ok: false, error: "not saved: the server did not answer; check it is running and try again" },
      };
    }
    let data = {};
    try {
      data = await response.json();
    } catch (e) {
      data = { ok: false, error: `server answered ${response.status}` };
    }
    return { status: response.status, data };
  }

  // ---- record page ----------------------------------------------------------------------
  const record = document.querySelector(".record");
  const rows = Array.from(document.querySelectorAll("tr.field-row:not(.readonly)"));
  let current = -1;

  const valueInput = (row) => row.querySelector("input.val");

  function markEvidence(row) {
    document.querySelectorAll("mark.active").forEach((m) => m.classList.remove("active"));
    if (!row) return;
    const key = `${row.dataset.patient}:${row.dataset.field}`;
    document.querySelectorAll("mark[data-ev]").forEach((m) => {
      if (m.dataset.ev.split(" ").includes(key)) m.classList.add("active");
    });
  }

  function select(index) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach((r) => r.classList.remove("current"));
    const row = rows[current];
    row.classList.add("current");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    markEvidence(row);
  }

  function edit() {
    if (current < 0) select(0);
    const input = valueInput(rows[current]);
    if (!input) return;
    input.focus();
    input.select();
  }

  function addHistory(row, entry) {
    const list = row.querySelector(".history ol");
    if (!list || !entry) return;
    const li = document.createElement("li");
    const role = entry.role && entry.role !== "single" ? ` [${entry.role}]` : "";
    li.textContent = `${entry.timestamp} ${entry.reviewer} ${entry.action}${role}: → ${entry.display}`;
    list.appendChild(li);
  }

  async function saveRow(row, action) {
    const input = valueInput(row);
    const error = row.querySelector(".error");
    const patient = row.dataset.patient;
    const reasonBox = document.querySelector(`.reason-input[data-patient="${patient}"]`);
    const { status, data } = await postJSON(`/record/${encodeURIComponent(record.dataset.pmid)}/field`, {
      patient: Number(patient),
      field: row.dataset.field,
      action,
      value: input.value,
      reason: reasonBox ? reasonBox.value : "",
    });
    if (data.ok) {
      input.value = data.value;
      input.dataset.saved = data.value;
      input.removeAttribute("aria-invalid");
      error.textContent = "";
      const badge = row.querySelector(".source .badge");
      if (badge) {
        const source = data.role === "first" || data.role === "second" ? "you" : "reviewer";
        badge.textContent = source;
        badge.className = `badge src-${source}`;
      }
      const conf = row.querySelector(".source .conf");
      if (conf) conf.remove();
      row.classList.remove("low");
      row.classList.remove("saved");
      void row.offsetWidth; // restart the "saved" animation
      row.classList.add("saved");
      row.dataset.state = "saved";
      addHistory(row, data.entry);
      return true;
    }
    error.textContent = data.error || `could not save (HTTP ${status})`;
    input.setAttribute("aria-invalid", "true");
    row.dataset.state = "error";
    return false;
  }

  async function acceptAll(patient) {
    const { data } = await postJSON(`/record/${encodeURIComponent(record.dataset.pmid)}/accept-all`, {
      patient: Number(patient),
    });
    if (data.ok) {
      window.location.reload();
    } else if (rows[current]) {
      rows[current].querySelector(".error").textContent = data.error || "could not accept";
    }
  }

  function go(url) {
    if (url) window.location.href = url;
  }

  function onEditingKey(event, input) {
    const row = input.closest("tr.field-row");
    if (event.key === "Enter" || ((event.ctrlKey || event.metaKey) && event.key === "s")) {
      event.preventDefault();
      saveRow(row, "correct").then((ok) => {
        if (ok) select(rows.indexOf(row));
      });
    } else if (event.key === "Escape") {
      event.preventDefault();
      input.value = input.dataset.saved || "";
      input.removeAttribute("aria-invalid");
      row.querySelector(".error").textContent = "";
      select(rows.indexOf(row));
    }
  }

  function onRecordKey(event) {
    const key = event.key;
    if (key === "j" || key === "ArrowDown") select(current + 1);
    else if (key === "k" || key === "ArrowUp") select(current - 1);
    else if (key === "e" || key === "Enter") edit();
    else if (key === "a") {
      if (current < 0) select(0);
      saveRow(rows[current], "accept");
    } else if (key === "A") {
      if (current < 0) select(0);
      if (rows[current]) acceptAll(rows[current].dataset.patient);
    } else if (key === "n") go(record.dataset.next);
    else if (key === "p") go(record.dataset.prev);
    else if (key === "g") go("/queue");
    else return false;
    return true;
  }

  // ---- queue page -------------------------------------------------------------------------
  const queueRows = Array.from(document.querySelectorAll("tr.queue-row"));
  let queueCurrent = -1;

  function selectQueue(index) {
    if (!queueRows.length) return;
    queueCurrent = Math.max(0, Math.min(queueRows.length - 1, index));
    queueRows.forEach((r) => r.classList.remove("current"));
    queueRows[queueCurrent].classList.add("current");
    queueRows[queueCurrent].focus({ preventScroll: true });
    queueRows[queueCurrent].scrollIntoView({ block: "nearest" });
  }

  function onQueueKey(event) {
    const key = event.key;
    if (key === "j" || key === "ArrowDown") selectQueue(queueCurrent + 1);
    else if (key === "k" || key === "ArrowUp") selectQueue(queueCurrent - 1);
    else if (key === "Enter" || key === "o") {
      if (queueCurrent < 0) selectQueue(0);
      if (queueRows[queueCurrent]) go(queueRows[queueCurrent].dataset.href);
    } else return false;
    return true;
  }

  // ---- one keydown handler ------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if (helpOpen()) {
      if (event.key === "Escape" || event.key === "?") {
        event.preventDefault();
        toggleHelp(false);
      }
      return;
    }
    const target = event.target;
    if (target instanceof HTMLInputElement && target.classList.contains("val")) {
      onEditingKey(event, target);
      return;
    }
    if (target instanceof HTMLElement && target.closest("input, select, textarea, button, summary, a[href]")) {
      if (!(target instanceof HTMLAnchorElement) || event.key !== "?") return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp(true);
      return;
    }
    let handled = false;
    if (record) handled = onRecordKey(event);
    else if (queueRows.length) handled = onQueueKey(event);
    if (handled) event.preventDefault();
  });

  // Mouse users: clicking a row selects it; forms without JS still post normally.
  rows.forEach((row, i) => row.addEventListener("click", () => {
    if (current !== i) {
      current = i;
      rows.forEach((r) => r.classList.remove("current"));
      row.classList.add("current");
      markEvidence(row);
    }
  }));
  document.querySelectorAll("form.field-form").forEach((form) => form.addEventListener("submit", (event) => {
    event.preventDefault();
    saveRow(form.closest("tr.field-row"), "correct");
  }));
  document.querySelectorAll('[data-action="accept-all"]').forEach((button) =>
    button.addEventListener("click", () => acceptAll(button.dataset.patient)));
  document.querySelectorAll('[data-action="help"]').forEach((button) =>
    button.addEventListener("click", () => toggleHelp()));
  if (help) help.addEventListener("click", (event) => { if (event.target === help) toggleHelp(false); });

  if (rows.length) {
    const hash = window.location.hash.slice(1);
    const target = rows.findIndex((r) => r.id === hash);
    select(target >= 0 ? target : 0);
  } else if (queueRows.length) {
    selectQueue(0);
  }
})();
