import type { AuditCloudEvent } from '@keelson/events';
import { csvField, defusedField, exportLines, exportPreamble } from './audit-export.format.js';

const entry = (data: Record<string, unknown>): AuditCloudEvent => ({
  specversion: '1.0',
  id: 'EV_ROLLOUTS:7',
  source: '/keelson/fleets/default',
  type: 'io.keelson.rollout.RolloutHalted',
  time: '2026-01-01T00:00:00.000Z',
  subject: 'ev.rollout.default.r-7',
  datacontenttype: 'application/json',
  keelsonfleet: 'default',
  keelsonactor: 'operator:admin',
  keelsonstream: 'EV_ROLLOUTS',
  keelsonseq: 7,
  keelsonprevhash: '0'.repeat(64),
  keelsonhash: 'a'.repeat(64),
  data,
});

describe('the audit export formats', () => {
  describe('a CSV field', () => {
    it('stands as it is when nothing in it needs quoting', () => {
      expect(csvField('operator:admin')).toBe('operator:admin');
    });
    it('is quoted, its quotes doubled, when it holds a quote, a comma or a line break', () => {
      expect(csvField('say "stop"')).toBe('"say ""stop"""');
      expect(csvField('a,b')).toBe('"a,b"');
      expect(csvField('one\r\ntwo')).toBe('"one\r\ntwo"');
      expect(csvField('one\ntwo')).toBe('"one\ntwo"');
    });
  });

  describe('a field that starts like a formula', () => {
    it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('gets a leading quote: %j', (value) => {
      expect(defusedField(value)).toBe(`'${value}`);
    });
    it('leaves any other field alone, a formula character further in too', () => {
      for (const value of ['operator:admin', '{"a":"=1"}', "'=1", ' =1', '1-1', '']) expect(defusedField(value)).toBe(value);
    });
  });

  describe('a CSV row with a field that starts like a formula', () => {
    const hostile = { ...entry({}), keelsonactor: '=HYPERLINK("http://x","y")', subject: '-2+3' };
    it('defuses it by default, then quotes it as RFC 4180 wants', () => {
      const row = exportLines({ format: 'csv', raw: false }, [hostile]);
      expect(row).toContain(`,"'=HYPERLINK(""http://x"",""y"")",'-2+3,`);
    });
    it('keeps it byte for byte when raw', () => {
      const row = exportLines({ format: 'csv', raw: true }, [hostile]);
      expect(row).toContain(`,"=HYPERLINK(""http://x"",""y"")",-2+3,`);
    });
  });

  it('writes CSV as a header row, then one CRLF-ended row per entry with the data as JSON', () => {
    expect(exportPreamble('csv')).toBe('time,id,type,fleet,actor,subject,stream,seq,prevhash,hash,data\r\n');
    const row = exportLines({ format: 'csv', raw: false }, [entry({ reason: 'a, "b"' })]);
    expect(row).toBe(
      `2026-01-01T00:00:00.000Z,EV_ROLLOUTS:7,io.keelson.rollout.RolloutHalted,default,operator:admin,ev.rollout.default.r-7,EV_ROLLOUTS,7,${'0'.repeat(64)},${'a'.repeat(64)},"{""reason"":""a, \\""b\\""""}"\r\n`,
    );
  });

  it('writes NDJSON as one CloudEvent per line, with no preamble', () => {
    const lines = exportLines({ format: 'ndjson', raw: false }, [entry({ reason: 'one\ntwo' }), entry({})]);
    expect(exportPreamble('ndjson')).toBe('');
    expect(lines.split('\n')).toHaveLength(3);
    expect(JSON.parse(lines.split('\n')[0]!)).toEqual(entry({ reason: 'one\ntwo' }));
  });
});
