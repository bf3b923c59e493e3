// csbot chat widget: restores the transcript on reload, renders bot buttons, receives
// messages from a human agent over Server-Sent Events (polling only when the stream fails), and only ever inserts text via textContent. The server keeps
// the conversation id in an HttpOnly cookie; this script never sees or sends it. Typed text
// goes as `message`, a clicked button as `payload` (the server checks the bot offered it).
// While the assistant restarts it shows a polite "reconnecting" line and sends the message
// again once it is back; when the assistant is up but failing (it may still answer), typed
// text is put back in the input box instead. Sent too fast (429), it says how long to wait
// and puts the text back; polling waits as long as the server's Retry-After asks.
(function () {
  "use strict";
  const log = document.getElementById("chat-log");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  // The shop's welcome and suggestion buttons come from its pack, through the page.
  const chat = document.getElementById("chat");
  const WELCOME = chat.dataset.welcome || "Hi! Ask me about an order, a return or our products.";
  const SUGGESTIONS = JSON.parse(chat.dataset.suggestions || "[]").map((s) => ({ title: s, text: s }));
  const RECONNECTING = "Reconnecting to the assistant... your message will be sent as soon " +
    "as it is back.";
  const RESEND_DELAYS_MS = [1000, 2000, 3000, 5000];  // then every 5 s
  const RESEND_FOR_MS = 5 * 60 * 1000;

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
        // A bot button sends its payload; a suggestion is sent as if typed.
        const request = b.payload ? { payload: b.payload } : { message: b.text };
        button.addEventListener("click", () => send(request, b.title));
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  // Seconds a 429's Retry-After asks the widget to wait (at least 1).
  function retryAfter(response) {
    return Math.max(1, Number(response.headers.get("Retry-After")) || 10);
  }

  function tooFast(response, body) {
    return body.error || `You're sending messages faster than we can answer. Please wait ${
      retryAfter(response)} seconds, then send it again.`;
  }

  async function call(url, options) {
    const response = await fetch(url, options);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(body.error || "Something went wrong. Please try again.");
      error.waitMs = response.status === 429 ? retryAfter(response) * 1000 : 0;
      throw error;
    }
    return body;
  }

  // Messages not answered yet, delivered one at a time so they reach the assistant in order.
  const outbox = [];
  let notice = null;  // the "reconnecting" line while it is shown

  // Buttons answer the bot's last question only: anything sent retires the older ones.
  function send(request, shownAs) {
    disableButtons();
    add("user", shownAs);
    outbox.push({ request: request, since: Date.now(), attempt: 0 });
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
        body: JSON.stringify(item.request),
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
    if (response && response.status === 429) {  // too fast: say how long to wait
      clearNotice();
      add("error", tooFast(response, body));
      const typed = item.request.message;
      if (typed && !input.value) input.value = typed;  // the typed text is not lost
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
    const typed = item.request.message;
    if (typed && !input.value) input.value = typed;  // the typed text is not lost
    next();
  }

  async function restore() {
    try {
      const body = await call("/api/history");
      if (!body.messages.length) add("bot", WELCOME, SUGGESTIONS);
      for (const m of body.messages) {
        if (m.from === "user") disableButtons();
        add(m.from, m.text, m.from === "user" ? null : m.buttons);
      }
    } catch (err) {
      add("bot", WELCOME, SUGGESTIONS);
    }
  }

  // Pushed messages (an agent's, the rating prompt) come over an EventSource that resumes
  // after the last message id it delivered; after STREAM_FAILURES failed connections in a
  // row the widget falls back to polling /api/updates every second.
  const STREAM_FAILURES = 3;
  let lastId = -1;
  let failures = 0;

  function pushed(m) {
    add(m.from === "agent" ? "agent" : "bot", m.agent ? `${m.agent}: ${m.text}` : m.text, m.buttons);
  }

  function listen() {
    if (!window.EventSource) { poll(); return; }
    const source = new EventSource(lastId >= 0 ? `/api/stream?after=${lastId}` : "/api/stream");
    source.addEventListener("ready", (event) => {
      lastId = Number(event.lastEventId);
      failures = 0;
    });
    source.onmessage = (event) => {
      pushed(JSON.parse(event.data));
      lastId = Number(event.lastEventId);
    };
    source.onerror = () => {
      failures += 1;
      if (failures >= STREAM_FAILURES) { source.close(); poll(); return; }
      if (source.readyState === EventSource.CLOSED) setTimeout(listen, 1000);
    };
  }

  async function poll() {
    let waitMs = 1000;
    try {
      const body = await call(`/api/updates?after=${lastId}`);
      for (const m of body.messages) pushed(m);
      lastId = body.last_id;
    } catch (err) {
      waitMs = Math.max(waitMs, err.waitMs || 0);  // the next poll retries, after a 429's wait
    } finally {
      setTimeout(poll, waitMs);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ message: text }, text);
  });

  restore().then(listen);
})();
