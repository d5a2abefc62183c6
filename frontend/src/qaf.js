// Progressive enhancement only: every page works without this file.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// htmx requests carry the CSRF token from the page (never from a cookie read).
document.body.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector('meta[name="csrf-token"]');
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// Idle-timeout warning: shown before the session ends; "Stay signed in" pings the server.
const warning = document.getElementById("qaf-timeout-warning");
if (warning) {
  const idle = Number(warning.dataset.idleSeconds) * 1000;
  const lead = Number(warning.dataset.warningSeconds) * 1000;
  let warnTimer;
  let endTimer;
  const schedule = () => {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warning.hidden = true;
    warnTimer = setTimeout(() => {
      warning.hidden = false;
      warning.querySelector("button").focus();
    }, idle - lead);
    endTimer = setTimeout(() => {
      window.location.href = warning.dataset.signedOutUrl;
    }, idle);
  };
  warning.querySelector("button").addEventListener("click", async () => {
    const response = await fetch(warning.dataset.keepaliveUrl, { credentials: "same-origin" });
    if (response.status === 401) {
      // The session has already ended (another tab signed out, or the absolute limit passed).
      window.location.href = warning.dataset.signedOutUrl;
      return;
    }
    schedule();
  });
  schedule();
}
