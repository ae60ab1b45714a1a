/** One challenge of a `WWW-Authenticate` header: its scheme (lowercase) and its parameters (names lowercase). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

// RFC 9110 11.6.1: challenge = auth-scheme [ 1*SP ( token68 / #auth-param ) ]; auth-param = token BWS "=" BWS ( token / quoted-string ).
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const quoted = /^"((?:[^"\\]|\\.)*)"/;

/**
 * Parses every challenge of a `WWW-Authenticate` value, e.g.
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull"`.
 * A value it cannot read yields the challenges read before the fault, never a guess.
 */
export function parseAuthChallenges(header: string | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let rest = (header ?? '').trim();
  while (rest.length > 0) {
    const scheme = token.exec(rest)?.[0];
    if (!scheme) break;
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    rest = rest.slice(scheme.length).trimStart();
    while (rest.length > 0) {
      const name = token.exec(rest)?.[0];
      const afterName = name ? rest.slice(name.length).trimStart() : '';
      if (!name || !afterName.startsWith('=')) break; // the next challenge's scheme, or a token68 we do not use
      let value = afterName.slice(1).trimStart();
      const q = quoted.exec(value);
      const plain = q ? undefined : token.exec(value)?.[0];
      if (!q && plain === undefined) return challenges;
      challenge.params[name.toLowerCase()] = q ? q[1]!.replace(/\\(.)/g, '$1') : plain!;
      value = value.slice(q ? q[0].length : plain!.length).trimStart();
      rest = value.startsWith(',') ? value.slice(1).trimStart() : value;
    }
  }
  return challenges;
}
