// ES-module consumer: default and named imports resolve to dist/index.d.mts.
import stackless, { tasklet, channel, run, getcurrent, RuntimeError } from 'stackless';

const ch: channel = new stackless.channel();
const t: tasklet = new tasklet(function* () { yield ch.send_nr(1); });
t.setup();
const n: number = stackless.getruncount();
const e: RuntimeError = new RuntimeError('x');
const same: typeof run = stackless.run;
export { n, e, same, getcurrent };
// @ts-expect-error: not an export (fails if the declarations were missing and typed as any)
stackless.no_such_export;
