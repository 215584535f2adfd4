/**
 * What the FM controller counts. The controller owns this record and hands it out as is: the status file,
 * the job summary and the CLI read these very fields, so a number cannot be renamed or summed on the way.
 */
export interface FmCounters {
  /** RegisterCollector calls that FM accepted (re-registrations and upgrades included). */
  registrations: number;
  /** Registrations that failed for good, after their retries (a re-registration that fails counts too). */
  registrationFailures: number;
  heartbeatsOk: number;
  heartbeatsFailed: number;
  /** Heartbeats sent more than 5 s after their slot, or skipped because the previous one still ran. */
  heartbeatsLate: number;
  /** Collectors registered again after FM answered not_found to a heartbeat. */
  reRegistrations: number;
  /** Retries of any FM call (a call that needed three attempts counts two). */
  retries: number;
  /** UnregisterCollector calls that FM accepted (not_found counts as done). */
  unregistrations: number;
  /** Collectors that could not be unregistered. */
  unregistrationFailures: number;
}

export function zeroFmCounters(): FmCounters {
  return {
    registrations: 0,
    registrationFailures: 0,
    heartbeatsOk: 0,
    heartbeatsFailed: 0,
    heartbeatsLate: 0,
    reRegistrations: 0,
    retries: 0,
    unregistrations: 0,
    unregistrationFailures: 0,
  };
}
