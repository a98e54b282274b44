// The call-center console (agents, admins).
import { currentUsername, LiveStream, requireSignIn, signOut, STREAM_STATUS_TEXT } from "./api.js";

if (requireSignIn(["agent", "admin"])) start();

function start() {
document.getElementById("who").textContent = currentUsername() || "";
document.getElementById("sign-out").addEventListener("click", signOut);

const statusBadge = document.getElementById("stream-status");
const stream = new LiveStream("/api/streams/call-center", {
  onStatus: (status) => {
    statusBadge.dataset.status = status;
    statusBadge.textContent = STREAM_STATUS_TEXT[status];
  },
});
stream.start();
window.dispatchConsole = { stream };
}
