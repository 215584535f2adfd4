/**
 * What the alert set counts. The set owns this record and hands it out as is: the status file, the job
 * summary and the CLI read these very fields, so a number cannot be renamed or summed on the way.
 */
export interface AlertCounters {
  /** Alerts Alertmanager accepted (firing, re-posted and resolved ones; each post of an alert counts). */
  posted: number;
  /** Requests sent, retries included. */
  requests: number;
  /** Retries of a request (one that needed three attempts counts two). */
  retries: number;
  /** Alerts in requests that failed for good (refused, or still failing when their retry window ended). */
  failures: number;
  /** Alerts resolved (endsAt = now accepted): on recovery, leave and cleanup. */
  resolved: number;
}

export function zeroAlertCounters(): AlertCounters {
  return { posted: 0, requests: 0, retries: 0, failures: 0, resolved: 0 };
}
