// The board's jobs: loaded through the public list API, then kept current from the call-center stream.
// An event is applied at once from its payload (so the board moves immediately), then the job is read
// again to reconcile; a read never replaces a newer version of the job.
import { get, request } from "../api.js";

const PAGE = 500;
const DETAIL_FIELDS = [
  "eta_s",
  "eta_at",
  "promised_eta_at",
  "needs_attention",
  "attention_reason",
  "decline_count",
];

export class JobStore {
  constructor() {
    this.jobs = new Map();
    this.offerExpiry = new Map(); // job id -> ISO time, from the job's `offer` or the latest offer event
    this.listeners = new Set();
    this.pending = new Map();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  _changed(ids) {
    for (const listener of this.listeners) listener(ids);
  }

  // Every open job (`open=true`), page by page. Listeners hear of them when `announce()` is called
  // (once the fleet is known too).
  async loadOpen() {
    for (let offset = 0; ; offset += PAGE) {
      const { data } = await request("GET", "/api/call-center/jobs", { query: { open: true, limit: PAGE, offset } });
      for (const job of data) this._put(job);
      if (data.length < PAGE) return;
    }
  }

  announce() {
    this._changed(null); // null: everything changed
  }

  _put(job) {
    const current = this.jobs.get(job.id);
    if (current && current.version > job.version) return false;
    if (job.offer && job.offer.expires_at) this.offerExpiry.set(job.id, job.offer.expires_at);
    else if ("offer" in job) this.offerExpiry.delete(job.id);
    this.jobs.set(job.id, job);
    return true;
  }

  upsert(job) {
    if (this._put(job)) this._changed([job.id]);
  }

  async refresh(jobId) {
    // One read in flight per job; a further event while it runs asks for one more read.
    if (this.pending.has(jobId)) {
      this.pending.set(jobId, true);
      return;
    }
    this.pending.set(jobId, false);
    try {
      do {
        this.pending.set(jobId, false);
        const job = await get(`/api/call-center/jobs/${jobId}`);
        this.upsert(job);
      } while (this.pending.get(jobId));
    } catch (error) {
      console.warn("job refresh failed", jobId, error);
    } finally {
      this.pending.delete(jobId);
    }
  }

  // Apply one stream event; returns the job id it touched.
  applyEvent(envelope) {
    const p = envelope.payload || {};
    const jobId = p.job_id;
    if (!jobId) return null;
    const job = this.jobs.get(jobId);
    if (job) {
      const data = p.data || {};
      if (p.to_status) job.status = p.to_status;
      if (p.to_status === "created" || p.to_status === "uncovered") {
        job.van_id = null;
        job.eta_at = null;
        job.eta_s = null;
      } else if (p.van_id !== null && p.van_id !== undefined && p.kind === "job.status") {
        job.van_id = p.van_id;
      }
      for (const key of DETAIL_FIELDS) if (key in data) job[key] = data[key];
      if (data.offer_expires_at) this.offerExpiry.set(jobId, data.offer_expires_at);
      if (p.to_status && p.to_status !== "offered") this.offerExpiry.delete(jobId);
      job.updated_at = envelope.time;
      this._changed([jobId]);
    }
    this.refresh(jobId);
    return jobId;
  }
}
