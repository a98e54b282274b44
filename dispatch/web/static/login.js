// Sign-in page: posts to /api/auth/token, keeps the token in sessionStorage, goes where it was sent from.
import { clearErrors, showError, signIn } from "./api.js";

const HOME_BY_ROLE = { agent: "/console", admin: "/console", planner: "/console/planner" };

const form = document.getElementById("signin");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors(form);
  const data = new FormData(form);
  try {
    const result = await signIn(String(data.get("username")), String(data.get("password")));
    const next = new URLSearchParams(location.search).get("next");
    const safeNext = next && next.startsWith("/") && !next.startsWith("//") ? next : null;
    location.assign(safeNext || HOME_BY_ROLE[result.role] || "/console");
  } catch (error) {
    showError(form, error);
  }
});
