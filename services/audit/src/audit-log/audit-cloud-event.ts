import type { AuditCloudEvent } from '@keelson/events';
import type { ChainedEntry } from './audit-log.writer.js';

/**
 * An entry as a CloudEvent (libs/events audit-cloud-event.ts). Its id is `<stream>:<seq>`, unique
 * in an installation and the same every time the entry is read or republished, so a receiver can
 * de-duplicate on (source, id).
 */
export function cloudEventOf(entry: ChainedEntry): AuditCloudEvent {
  return {
    specversion: '1.0',
    id: `${entry.stream}:${entry.seq}`,
    source: `/keelson/fleets/${entry.fleet}`,
    type: `io.keelson.${entry.family}.${entry.type}`,
    time: entry.time,
    subject: entry.subject,
    datacontenttype: 'application/json',
    keelsonfleet: entry.fleet,
    keelsonactor: entry.actor,
    keelsonstream: entry.stream,
    keelsonseq: entry.seq,
    keelsonprevhash: entry.prevHash,
    keelsonhash: entry.hash,
    data: entry.data,
  };
}
