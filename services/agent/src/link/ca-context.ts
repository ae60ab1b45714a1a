import { createSecureContext, type SecureContext } from 'node:tls';

// A process holds one platform CA (a device) or a few (the simulator, a CA rotation); more than this
// are dropped oldest first and made again on use.
const maxKept = 4;
const contexts = new Map<string, SecureContext>();

/**
 * The TLS context of connections that trust the platform CA alone and present no client
 * certificate: the agent's MQTT connection, its enrollment and its renewal requests. One per CA,
 * shared by every such connection in the process: a context costs ~0.3 ms to build (OpenSSL parses
 * the CA into a certificate store of its own) and more at its first handshake, and it is what a
 * connection keeps in memory besides its buffers. The context holds no secret and no session state
 * that one connection could leak to another; each connection still checks the server against it.
 */
export function caSecureContext(ca: string): SecureContext {
  let context = contexts.get(ca);
  if (!context) {
    context = createSecureContext({ ca });
    contexts.set(ca, context);
    if (contexts.size > maxKept) contexts.delete(contexts.keys().next().value!);
  }
  return context;
}
