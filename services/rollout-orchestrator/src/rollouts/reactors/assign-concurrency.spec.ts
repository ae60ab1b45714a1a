import { assignBatchOf, assignConcurrencyOf } from './assignments.reactor.js';

describe('KEELSON_ASSIGN_CONCURRENCY', () => {
  it('defaults to 16 assign requests in flight and takes a whole number from 1 to 256', () => {
    expect(
      [undefined, '1', '256'].map((v) =>
        assignConcurrencyOf({ service: 'rollout-orchestrator', env: v === undefined ? {} : { KEELSON_ASSIGN_CONCURRENCY: v } }),
      ),
    ).toEqual([16, 1, 256]);
  });

  it.each(['0', '257', '1.5', 'many', '', ' 8'])('refuses %p at start', (value) => {
    expect(() => assignConcurrencyOf({ service: 'rollout-orchestrator', env: { KEELSON_ASSIGN_CONCURRENCY: value } })).toThrow(
      /KEELSON_ASSIGN_CONCURRENCY must be a whole number from 1 to 256/,
    );
  });
});

describe('KEELSON_ASSIGN_BATCH', () => {
  it("defaults to 50 devices per assign-many request and takes a whole number up to the gateway's limit of 500", () => {
    expect(
      [undefined, '1', '500'].map((v) =>
        assignBatchOf({ service: 'rollout-orchestrator', env: v === undefined ? {} : { KEELSON_ASSIGN_BATCH: v } }),
      ),
    ).toEqual([50, 1, 500]);
  });

  it.each(['0', '501', '2.5', 'all'])('refuses %p at start', (value) => {
    expect(() => assignBatchOf({ service: 'rollout-orchestrator', env: { KEELSON_ASSIGN_BATCH: value } })).toThrow(
      /KEELSON_ASSIGN_BATCH must be a whole number from 1 to 500/,
    );
  });
});
