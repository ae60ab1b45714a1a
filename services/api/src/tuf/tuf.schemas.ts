import { z } from 'zod';
import { signer } from '@keelson/requests';

/** A signed TUF root document (`{signed, signatures}`), as `keelson tuf root sign` writes it. */
export const SignedRootDocument = z
  .strictObject({
    signed: z.record(z.string(), z.unknown()),
    signatures: z.array(z.record(z.string(), z.unknown())).min(1).max(64),
  })
  .describe('signed TUF root metadata from the offline ceremony');

/** `POST /v1/tuf/online-keys/rotate`: which online role gets a new key. */
export const RotateOnlineKeyRequest = z.strictObject({ role: signer.OnlineRole });

export const TufRootView = signer.getRoot.output;
export const OnlineKeysView = signer.exportOnlineKeys.output;
export const ImportRootResponse = signer.importRoot.output;
export const RotateOnlineKeyResponse = signer.rotateOnlineKey.output;
