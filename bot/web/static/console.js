// Agent ticket view: receives the live transcript over Server-Sent Events (polling every
// second only when the stream fails) and sends replies (CSRF header).
(function () {
  "use strict";
  const box = document.querySelector("[data-ticket]");
  if (!box) return;
  const ticket = box.dataset.ticket;
  const list = document.getElementById("transcript");
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let after = 0;

  function show(m) {
    const item = document.createElement("li");
    item.className = "msg " + m.from;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = m.at + " · " + (m.agent || m.from) + (m.intent ? " · " + m.intent : "");
    item.appendChild(meta);
    item.appendChild(document.createTextNode(m.text));
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  function status(value) {
    document.getElementById("ticket-status").dataset.conversation = value;
  }

  const STREAM_FAILURES = 3;
  let failures = 0;
  function listen() {
    if (!window.EventSource) { poll(); return; }
    const source = new EventSource(`/console/api/tickets/${ticket}/stream?after=${after}`);
    source.addEventListener("ready", () => { failures = 0; });
    source.addEventListener("status", (event) => status(JSON.parse(event.data)));
    source.onmessage = (event) => {
      const m = JSON.parse(event.data);
      show(m);
      after = Math.max(after, m.id);
    };
    source.onerror = () => {
      failures += 1;
      if (failures >= STREAM_FAILURES) { source.close(); poll(); return; }
      if (source.readyState === EventSource.CLOSED) setTimeout(listen, 1000);
    };
  }

  async function poll() {
    try {
      const response = await fetch(`/console/api/tickets/${ticket}/messages?after=${after}`);
      if (response.ok) {
        const body = await response.json();
        for (const m of body.messages) { show(m); after = Math.max(after, m.id); }
        status(body.status);
      }
    } finally {
      setTimeout(poll, 1000);
    }
  }

  const form = document.getElementById("reply-form");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = document.getElementById("reply");
      const text = input.value.trim();
      if (!text) return;
      const response = await fetch(`/console/api/tickets/${ticket}/reply`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ text }),
      });
      if (response.ok) input.value = "";
      else alert((await response.json()).error || "Could not send");
    });
  }
  listen();
})();
