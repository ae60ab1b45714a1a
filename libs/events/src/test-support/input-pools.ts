/** For the fast-path property specs: good values first in each pool, then edges and near misses. */
export const times = [
  '2026-12-07T00:41:12.345Z',
  '2024-02-29T23:59:59.999Z',
  '2025-02-29T10:00:00.000Z',
  '2026-13-01T00:00:00.000Z',
  '2026-12-07T24:00:00.000Z',
  '2026-12-07T00:00:60.000Z',
  '2026-12-07T00:00:00Z',
  '2026-12-07T00:00:00.123456Z',
  '2026-12-07T00:00:00.000+01:00',
  '2026-12-07 00:00:00.000Z',
  '0000-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z',
  '+012026-12-07T00:00:00.000Z',
  '2026-04-31T00:00:00.000Z',
  '2026-12-07T00:00:00.000z',
];
export const tokens = [
  'plant-7',
  'cam-dock-03',
  'r-0123456789ab',
  'a',
  '0',
  'x'.repeat(63),
  'x'.repeat(64),
  '-lead',
  'Upper',
  'dot.ted',
  'sp ace',
  '',
  'ünï',
  'a*',
  'a>',
];
export const reasons = ['probe failed', 'r', '', 'x'.repeat(500), 'x'.repeat(501), '😀'.repeat(250), '😀'.repeat(251), 'line\nbreak'];
export const states = ['downloading', 'verifying', 'applying', 'healthy', 'rolled_back', 'failed', 'Healthy', 'unknown', ''];
export const sha = 'a'.repeat(64);
export const shas = [sha, 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'g'.repeat(64)];
export const artifactNames = ['yolo-v8n', 'x'.repeat(100), 'x'.repeat(101), '.hidden', 'Yolo', 'a/b', ''];
export const versions = ['2.1.0', 'x'.repeat(64), 'x'.repeat(65), '-1', '1 0', '../1', ''];
export const targetPaths = [
  'model/yolo-v8n/2.1.0/model.onnx',
  'config/a/1/b+c_d.json',
  'x',
  'model/../etc',
  './a',
  'a//b',
  '/abs',
  'a/' + 'x'.repeat(510),
  'a/' + 'x'.repeat(511),
  'ü/a',
];
export const paths = [
  '/run/app/ready',
  '/usr/bin/check',
  '/a/./b',
  '/a/../b',
  'rel/path',
  '/a//b',
  '/' + 'x'.repeat(511),
  '/' + 'x'.repeat(512),
  '/a\0b',
  '/',
];
export const ints = [0, 1, 10, 300, 301, 3600, 3601, -1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, '1'];
export const traceparents = [
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
  '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x',
  '',
];
export const others: unknown[] = [null, undefined, 0, 1.5, -1, true, [], {}, [1], 'x', Object.create(null), new Date(0)];
