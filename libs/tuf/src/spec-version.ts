/** The TUF specification version our metadata follows (tuf-js accepts 1.x). */
export const specVersion = '1.0.31';
