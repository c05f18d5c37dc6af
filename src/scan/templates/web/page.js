"use strict";
(() => {
  // "Kopiera som Markdown" on the quotes page
  const copy = document.getElementById("copy-md");
  if (copy) {
    copy.addEventListener("click", async () => {
      const area = document.getElementById("markdown");
      const status = document.getElementById("copy-status");
      try { await navigator.clipboard.writeText(area.value); status.textContent = "Kopierat."; }
      catch (e) { area.classList.remove("sr-only"); area.select(); status.textContent = "Markera och kopiera texten ovan (Ctrl+C)."; }
    });
  }
  // "Kopiera" beside each hit, quote and evidence passage: its text with its citation (data-copy)
  for (const button of document.querySelectorAll("button.copy[data-copy]")) {
    button.addEventListener("click", async () => {
      const status = button.parentElement.querySelector(".copy-status");
      try { await navigator.clipboard.writeText(button.dataset.copy); status.textContent = "Kopierat."; }
      catch (e) { status.textContent = "Kunde inte kopiera här: " + button.dataset.copy; }
    });
  }
  // filters and the grouping apply at once when ticked (the Sök button does the same without JavaScript)
  for (const box of document.querySelectorAll("input[data-autosubmit]")) {
    box.addEventListener("change", () => { if (box.form.querySelector("#q").value.trim()) { box.form.requestSubmit(); } });
  }
  // forms that start slow work: a busy state at once, and no second press
  for (const form of document.querySelectorAll("form[data-busy]")) {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
      form.setAttribute("aria-busy", "true");
      for (const button of form.querySelectorAll("button")) { button.disabled = true; }
      const status = form.querySelector("[data-busy-status]");
      if (status) { status.textContent = form.dataset.busy; }
    });
  }
  // a running job: ask for its progress every second, show the result when it is done
  const job = document.getElementById("job");
  if (job) {
    const text = document.getElementById("job-progress");
    const bar = document.getElementById("job-bar");
    const poll = async () => {
      try {
        const response = await fetch(job.dataset.status, { cache: "no-store" });
        const state = await response.json();
        text.textContent = state.message;
        if (state.total) { bar.max = state.total; bar.value = state.done; }
        if (state.state === "done" || state.state === "failed" || !response.ok) { window.location.replace(job.dataset.page); return; }
      } catch (e) { /* the server may be restarting: try again */ }
      window.setTimeout(poll, 1000);
    };
    window.setTimeout(poll, 500);
  }
})();
