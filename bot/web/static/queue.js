// Agent queue: re-rendered from the `queue` events of /console/api/queue/stream (text goes in
// through textContent only); when the stream keeps failing, the page reloads every 5 seconds
// as before.
(function () {
  "use strict";
  const table = document.getElementById("queue");
  if (!table) return;
  const body = table.querySelector("tbody");
  const count = document.getElementById("queue-count");
  let rows = null;

  function cell(row, text, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function waiting(created) {
    return Math.floor((Date.now() - Date.parse(created)) / 60000) + " min";
  }

  function render() {
    if (rows === null) return;
    const fresh = document.createElement("tbody");
    for (const t of rows) {
      const tr = document.createElement("tr");
      tr.className = "priority-" + t.priority;
      const link = document.createElement("a");
      link.href = "/console/tickets/" + encodeURIComponent(t.id);
      link.textContent = "#" + t.id;
      cell(tr, "").appendChild(link);
      cell(tr, t.priority);
      cell(tr, t.category);
      cell(tr, t.queue);
      cell(tr, t.channel, "channel");
      cell(tr, t.status);
      cell(tr, waiting(t.created));
      cell(tr, t.summary, "summary");
      fresh.appendChild(tr);
    }
    if (!rows.length) {
      const tr = document.createElement("tr");
      cell(tr, "No open tickets in your queues.").colSpan = 8;
      fresh.appendChild(tr);
    }
    body.replaceChildren(...fresh.childNodes);
    count.textContent = String(rows.length);
  }

  function fallback() { setTimeout(() => location.reload(), 5000); }

  const STREAM_FAILURES = 3;
  let failures = 0;
  function listen() {
    if (!window.EventSource) { fallback(); return; }
    const source = new EventSource("/console/api/queue/stream");
    source.addEventListener("ready", () => { failures = 0; });
    source.addEventListener("queue", (event) => { rows = JSON.parse(event.data); render(); });
    source.onerror = () => {
      failures += 1;
      if (failures >= STREAM_FAILURES) { source.close(); fallback(); return; }
      if (source.readyState === EventSource.CLOSED) setTimeout(listen, 1000);
    };
  }
  setInterval(render, 30000); // the waiting minutes move on even when nothing else does
  listen();
})();
