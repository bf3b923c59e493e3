// Model page: while a retrain runs, show its stage and progress every second; reload the
// page when it ends, for the cross-validation table and the buttons.
(function () {
  "use strict";
  const job = document.getElementById("job");
  if (!job || job.dataset.state !== "running") return;
  const progress = document.getElementById("job-progress");

  async function poll() {
    try {
      const response = await fetch("/console/admin/model/status.json", { credentials: "same-origin" });
      if (response.ok) {
        const status = await response.json();
        if (status.state !== "running") { window.location.replace("/console/admin/model"); return; }
        document.getElementById("job-stage").textContent = status.stage;
        document.getElementById("job-detail").textContent = status.detail || "";
        if (status.percent === null || status.percent === undefined) progress.removeAttribute("value");
        else progress.value = status.percent;
      }
    } catch (e) { /* the server restarts or the network blips: try again */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
