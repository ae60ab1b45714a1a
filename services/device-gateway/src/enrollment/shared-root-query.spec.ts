import { sharedRootQuery } from './shared-root-query.js';

/** A signer stand-in that answers when told to, counting what it was asked. */
function heldSigner() {
  const asked: string[] = [];
  const answers: { resolve: (root: Record<string, unknown>) => void; reject: (err: Error) => void }[] = [];
  const query = (fleet: string) => {
    asked.push(fleet);
    return new Promise<Record<string, unknown>>((resolve, reject) => answers.push({ resolve, reject }));
  };
  return { asked, answers, query };
}

describe('sharedRootQuery', () => {
  it('asks the signer once for enrollments of one fleet that wait at the same time', async () => {
    const signer = heldSigner();
    const rootOf = sharedRootQuery(signer.query);
    const waiting = [rootOf('plant-7', 'c-1'), rootOf('plant-7', 'c-2'), rootOf('plant-8', 'c-3')];
    expect(signer.asked).toEqual(['plant-7', 'plant-8']);
    signer.answers[0]!.resolve({ version: 1 });
    signer.answers[1]!.resolve({ version: 4 });
    expect(await Promise.all(waiting)).toEqual([{ version: 1 }, { version: 1 }, { version: 4 }]);
  });

  it('asks again once the answer is in: a root signed later reaches the next enrollment', async () => {
    const signer = heldSigner();
    const rootOf = sharedRootQuery(signer.query);
    const first = rootOf('plant-7', 'c-1');
    signer.answers[0]!.resolve({ version: 1 });
    await first;
    const second = rootOf('plant-7', 'c-2');
    signer.answers[1]!.resolve({ version: 2 });
    expect(await second).toEqual({ version: 2 });
    expect(signer.asked).toEqual(['plant-7', 'plant-7']);
  });

  it('fails every waiting enrollment when the signer fails, and asks again after', async () => {
    const signer = heldSigner();
    const rootOf = sharedRootQuery(signer.query);
    const waiting = [rootOf('plant-7', 'c-1'), rootOf('plant-7', 'c-2')];
    signer.answers[0]!.reject(new Error('signer unavailable'));
    for (const w of waiting) await expect(w).rejects.toThrow('signer unavailable');
    const again = rootOf('plant-7', 'c-3');
    signer.answers[1]!.resolve({ version: 1 });
    expect(await again).toEqual({ version: 1 });
  });
});
