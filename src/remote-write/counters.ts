/**
 * What the metrics writer counts. The emitter owns this record and the pusher adds its retries to it; the
 * status file, the job summary and the CLI read these very fields.
 */
export interface RemoteWriteCounters {
  /** Ticks pushed (whatever their outcome). */
  ticks: number;
  /** Grid points whose tick was skipped or delayed: the previous push still ran, or the process was asleep. */
  lateTicks: number;
  /** Samples the receiver accepted. */
  samples: number;
  /** Compressed bytes the receiver accepted. */
  bytes: number;
  /** Requests sent, retries included. */
  requests: number;
  /** Retries of a request (one that needed three attempts counts two). */
  retries: number;
  /** 429 answers: the receiver asked us to slow down. */
  throttled: number;
  /** Samples that never got through (refused, or still failing when their retry window ended). */
  droppedSamples: number;
  /** Stale markers the receiver accepted. */
  staleMarkers: number;
}

export function zeroRemoteWriteCounters(): RemoteWriteCounters {
  return {
    ticks: 0,
    lateTicks: 0,
    samples: 0,
    bytes: 0,
    requests: 0,
    retries: 0,
    throttled: 0,
    droppedSamples: 0,
    staleMarkers: 0,
  };
}
