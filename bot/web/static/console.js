// Agent ticket view: polls the live transcript every second and sends replies (CSRF header).
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

  async function poll() {
    try {
      const response = await fetch(`/console/api/tickets/${ticket}/messages?after=${after}`);
      if (response.ok) {
        const body = await response.json();
        for (const m of body.messages) { show(m); after = Math.max(after, m.id); }
        document.getElementById("ticket-status").dataset.conversation = body.status;
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
  poll();
})();
