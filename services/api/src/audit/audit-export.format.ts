import type { AuditCloudEvent } from '@keelson/events';

/** The two shapes of an export: one CloudEvent per line, or one spreadsheet row per entry. */
export type AuditExportFormat = 'ndjson' | 'csv';

/**
 * How an export is written: `raw` keeps every CSV field byte for byte (evidence to compare with the
 * chain); otherwise a field a spreadsheet would run as a formula is defused first.
 */
export interface AuditExportOptions {
  format: AuditExportFormat;
  raw: boolean;
}

/** The columns of a CSV export, in order; `data` is the event's data as JSON. */
export const csvColumns = ['time', 'id', 'type', 'fleet', 'actor', 'subject', 'stream', 'seq', 'prevhash', 'hash', 'data'] as const;

/**
 * One CSV field as RFC 4180 wants it: a field holding a quote, a comma or a line break goes in
 * quotes, its quotes doubled; any other field stands as it is.
 */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * A field that would open as a formula (OWASP "CSV injection": it starts with `=`, `+`, `-`, `@`, a
 * tab or a carriage return) gets a leading `'`, which spreadsheets read as "text follows" and hide.
 */
export function defusedField(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const csvRow = (fields: string[], raw = true): string => `${fields.map((f) => csvField(raw ? f : defusedField(f))).join(',')}\r\n`;

function csvLine(e: AuditCloudEvent, raw: boolean): string {
  return csvRow(
    [
      e.time,
      e.id,
      e.type,
      e.keelsonfleet,
      e.keelsonactor,
      e.subject,
      e.keelsonstream,
      String(e.keelsonseq),
      e.keelsonprevhash,
      e.keelsonhash,
      JSON.stringify(e.data),
    ],
    raw,
  );
}

/** What an export starts with: the CSV header row, nothing for NDJSON. */
export function exportPreamble(format: AuditExportFormat): string {
  return format === 'csv' ? csvRow([...csvColumns]) : '';
}

/** Entries as the export writes them, one line each (CRLF for CSV, LF for NDJSON; JSON never holds a raw line break). */
export function exportLines({ format, raw }: AuditExportOptions, entries: AuditCloudEvent[]): string {
  return entries.map((e) => (format === 'csv' ? csvLine(e, raw) : `${JSON.stringify(e)}\n`)).join('');
}

/** The response's content type for a format. */
export const exportContentType = (format: AuditExportFormat): string =>
  format === 'csv' ? 'text/csv; charset=utf-8; header=present' : 'application/x-ndjson; charset=utf-8';
