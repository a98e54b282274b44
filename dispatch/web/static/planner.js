// The planner console (planners, admins): coverage and campaigns, one campaign, one day's plan.
// Screens are chosen by the URL fragment so that each can be linked to and reloaded.
import { currentUsername, h, requireSignIn, signOut } from "./api.js";
import { showCampaign } from "./planner_campaign.js";
import { showCoverage } from "./planner_coverage.js";
import { showDayPlan } from "./planner_day.js";

const main = document.getElementById("planner");
let leave = null;

if (requireSignIn(["planner", "admin"])) {
  document.getElementById("who").textContent = currentUsername() || "";
  document.getElementById("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", route);
  route();
}

async function route() {
  if (leave) leave();
  leave = null;
  main.replaceChildren(h("p", { class: "muted" }, "加载中… / Loading…"));
  const path = location.hash.replace(/^#/, "") || "/";
  let match;
  try {
    if ((match = path.match(/^\/campaigns\/([\w-]+)\/days\/(\d{4}-\d{2}-\d{2})$/))) {
      leave = await showDayPlan(main, match[1], match[2]);
    } else if ((match = path.match(/^\/campaigns\/([\w-]+)$/))) {
      leave = await showCampaign(main, match[1]);
    } else {
      leave = await showCoverage(main);
    }
  } catch (error) {
    main.replaceChildren(h("p", { class: "form-error", role: "alert" }, error.message));
  }
}
