// csbot chat widget: keeps one conversation id per browser (localStorage), restores the
// transcript on reload, renders bot buttons, polls for messages from a human agent, and only
// ever inserts text via textContent. While the assistant restarts it shows a polite
// "reconnecting" line and sends the message again once it is back; when the assistant is up
// but failing (it may still answer), the message is put back in the input box instead.
(function () {
  "use strict";
  const KEY = "csbot.sender";
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const WELCOME = "Hi! I'm the Kettle & Volt assistant. Ask me about an order, a return, " +
    "shipping, payments or our products.";

  function senderId() {
    let id = localStorage.getItem(KEY);
    if (!id) {
      id = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random())
        .replace(/[^A-Za-z0-9-]/g, "");
      localStorage.setItem(KEY, id);
    }
    return id;
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
        button.addEventListener("click", () => {
          row.querySelectorAll("button").forEach((x) => { x.disabled = true; });
          send(b.payload, b.title);
        });
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  const RECONNECTING = "Reconnecting to the assistant... your message will be sent as soon " +
    "as it is back.";
  const RESEND_DELAYS_MS = [1000, 2000, 3000, 5000];  // then every 5 s
  const RESEND_FOR_MS = 5 * 60 * 1000;

  async function call(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || "Something went wrong. Please try again.");
    return body;
  }

  // Messages not answered yet, delivered one at a time so they reach the assistant in order.
  const outbox = [];
  let notice = null;  // the "reconnecting" line while it is shown

  function send(message, shownAs) {
    add("user", shownAs || message);
    outbox.push({ message: message, shownAs: shownAs, since: Date.now(), attempt: 0 });
    if (outbox.length === 1) deliver();
  }

  function next() {
    outbox.shift();
    if (outbox.length) deliver();
  }

  function clearNotice() {
    if (notice) notice.remove();
    notice = null;
  }

  async function deliver() {
    const item = outbox[0];
    const typing = notice ? null : add("typing", "Assistant is typing...");
    let response = null;
    let body = {};
    try {
      response = await fetch("/api/messages", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender: senderId(), message: item.message }),
      });
      body = await response.json().catch(() => ({}));
    } catch (err) {
      // the web app itself is unreachable: resent like a refused connection
    }
    if (typing) typing.remove();
    if (response && response.ok) {
      clearNotice();
      for (const m of body.messages) add("bot", m.text, m.buttons);
      next();
      return;
    }
    const resend = !response || (response.status === 503 && body.resend === true);
    if (resend && Date.now() - item.since < RESEND_FOR_MS) {
      notice = notice || add("notice", RECONNECTING);
      setTimeout(deliver, RESEND_DELAYS_MS[Math.min(item.attempt++, RESEND_DELAYS_MS.length - 1)]);
      return;
    }
    clearNotice();
    add("error", body.error || "Something went wrong. Please try again.");
    if (!item.shownAs && !input.value) input.value = item.message;  // the typed text is not lost
    next();
  }

  async function restore() {
    try {
      const body = await call("/api/history?sender=" + encodeURIComponent(senderId()));
      if (!body.messages.length) add("bot", WELCOME);
      for (const m of body.messages) add(m.from, m.text, m.from === "user" ? null : m.buttons);
    } catch (err) {
      add("bot", WELCOME);
    }
  }

  let lastId = -1;
  async function poll() {
    try {
      const body = await call(`/api/updates?sender=${encodeURIComponent(senderId())}&after=${lastId}`);
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
    send(text);
  });

  restore().then(poll);
})();
