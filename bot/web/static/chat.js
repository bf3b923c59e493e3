// csbot chat widget: restores the transcript on reload, renders bot buttons, polls for
// messages from a human agent, and only ever inserts text via textContent. The server keeps
// the conversation id in an HttpOnly cookie; this script never sees or sends it. Typed text
// goes as `message`, a clicked button as `payload` (the server checks the bot offered it).
(function () {
  "use strict";
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const WELCOME = "Hi! I'm the Kettle & Volt assistant. Ask me about an order, a return, " +
    "shipping, payments or our products.";

  function disableButtons() {
    log.querySelectorAll(".buttons button").forEach((x) => { x.disabled = true; });
  }

  function add(from, text, buttons) {
    const item = document.createElement("li");
    item.className = "msg " + from;
    item.textContent = text;
    if (buttons && buttons.length) {
      const row = document.createElement("div");
      row.className = "buttons";
      for (const b of buttons) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", () => send({ payload: b.payload }, b.title));
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  async function call(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || "Something went wrong. Please try again.");
    return body;
  }

  // Buttons answer the bot's last question only: anything sent retires the older ones.
  async function send(request, shownAs) {
    disableButtons();
    add("user", shownAs);
    const typing = add("typing", "Assistant is typing...");
    try {
      const body = await call("/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(request),
      });
      typing.remove();
      for (const m of body.messages) add("bot", m.text, m.buttons);
    } catch (err) {
      typing.remove();
      add("error", err.message);
    }
  }

  async function restore() {
    try {
      const body = await call("/api/history");
      if (!body.messages.length) add("bot", WELCOME);
      for (const m of body.messages) {
        if (m.from === "user") disableButtons();
        add(m.from, m.text, m.from === "user" ? null : m.buttons);
      }
    } catch (err) {
      add("bot", WELCOME);
    }
  }

  let lastId = -1;
  async function poll() {
    try {
      const body = await call(`/api/updates?after=${lastId}`);
      for (const m of body.messages) {
        add(m.from === "agent" ? "agent" : "bot", m.agent ? `${m.agent}: ${m.text}` : m.text, m.buttons);
      }
      lastId = body.last_id;
    } catch (err) {
      // the next poll retries
    } finally {
      setTimeout(poll, 1000);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ message: text }, text);
  });

  restore().then(poll);
})();
