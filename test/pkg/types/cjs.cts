// CommonJS consumer: `import = require` resolves to dist/index.d.ts.
import stackless = require('stackless');

const ch: stackless.channel = new stackless.channel();
new stackless.tasklet(function* () { yield ch.send_nr('x'); }).setup();
export const v: unknown = ch.receive();
// @ts-expect-error: not an export (fails if the declarations were missing and typed as any)
stackless.no_such_export;
