// Exception classes with Python's names and hierarchy (NODE.md 3.2): BaseException extends
// Error; SystemExit and Exception extend BaseException; TaskletExit extends SystemExit; the rest
// extend Exception. Where the error catalogue says TypeError, the JS TypeError is used.

function pyStr(args: unknown[]): string {
  if (args.length === 0) return '';
  if (args.length === 1) return String(args[0]);
  return `(${args.map((a) => (typeof a === 'string' ? `'${a}'` : String(a))).join(', ')})`;
}

export class BaseException extends Error {
  args: unknown[];
  constructor(...args: unknown[]) {
    super(pyStr(args));
    this.args = args;
    this.name = new.target.name;
  }
}
export class SystemExit extends BaseException {
  get code(): unknown { return this.args.length === 0 ? undefined : this.args.length === 1 ? this.args[0] : this.args; }
}
export class TaskletExit extends SystemExit {}
export class KeyboardInterrupt extends BaseException {}
export class Exception extends BaseException {}
export class StopIteration extends Exception {}
export class RuntimeError extends Exception {}
export class NotImplementedError extends RuntimeError {}
export class RecursionError extends RuntimeError {}
export class ValueError extends Exception {}
export class SystemError extends Exception {}
export class AttributeError extends Exception {}
export class ArithmeticError extends Exception {}
export class OverflowError extends ArithmeticError {}
export class ZeroDivisionError extends ArithmeticError {}
export class MemoryError extends Exception {}
export class LookupError extends Exception {}
export class KeyError extends LookupError {}
export class IndexError extends LookupError {}
export class AssertionError extends Exception {}

const classes: Record<string, any> = {
  BaseException, SystemExit, TaskletExit, KeyboardInterrupt, Exception, StopIteration, RuntimeError,
  NotImplementedError, RecursionError, ValueError, SystemError, AttributeError, ArithmeticError,
  OverflowError, ZeroDivisionError, MemoryError, LookupError, KeyError, IndexError, AssertionError,
};
// The Python class a JS exception maps to in the core (inherited by user subclasses).
for (const [name, cls] of Object.entries(classes)) {
  Object.defineProperty(cls.prototype, '__pyname', { value: name, enumerable: false, writable: true });
}

export const exceptionClasses: Record<string, any> = classes;

// The TaskletExit of kill(): control flow, not an error, and often made by the thousand (killing
// the tasklets of a finished job), so it captures no JS stack (that costs microseconds each).
export function quietTaskletExit(): TaskletExit {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new TaskletExit();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

// Used by the addon to turn a core error into a JS exception.
export function makeError(name: string, msg: string): unknown {
  if (name === 'TypeError') return new TypeError(msg);
  if (name === 'TaskletExit' && msg === '') return quietTaskletExit();
  const cls = classes[name] || Exception;
  return msg === '' ? new cls() : new cls(msg);
}

// The class of an exception value for the error handler's `type` argument: the value's own class
// when it is an object, else the class of that Python name.
export function excClassFor(value: any, name: string): unknown {
  if (value !== null && typeof value === 'object') {
    const c = value.constructor;
    if (typeof c === 'function') return c;
  }
  if (name === 'TypeError') return TypeError;
  return classes[name] || Exception;
}

// The Python class name a JS value travels under when it is raised in the core.
export function pyname(e: any): string {
  if (e !== null && typeof e === 'object') {
    const n = e.__pyname;
    if (typeof n === 'string') return n;
    if (e instanceof TypeError) return 'TypeError';
  }
  return 'Exception';
}

export function typeName(x: unknown): string {
  if (x === undefined || x === null) return 'NoneType';
  if (typeof x === 'function') return (x as any).name || 'function';
  if (typeof x === 'object') return (x as any).constructor?.name || 'object';
  return typeof x;
}

// (exc, val, tb) with the rules of tasklet.throw / channel.send_throw (API.md 2.2, NODE.md 3.4).
export function excFromThrowArgs(exc: any, val: any, tb: any): unknown {
  if (tb !== undefined && tb !== null) throw new TypeError('third argument must be a traceback object');
  if (typeof exc === 'function') {
    if (!(exc.prototype instanceof Error) && exc !== Error) {
      throw new TypeError(`exceptions must be classes, or instances, not ${typeName(exc)}`);
    }
    if (val === undefined || val === null) return new exc();
    if (val instanceof exc) return val;
    if (Array.isArray(val)) return new exc(...val);
    return new exc(val);
  }
  if (exc !== null && typeof exc === 'object') {
    if (val !== undefined && val !== null) throw new TypeError('instance exception may not have a separate value');
    return exc;
  }
  throw new TypeError(`exceptions must be classes, or instances, not ${typeName(exc)}`);
}

// klass(*args) with the rules of raise_exception / send_exception.
export function excFromClassArgs(who: string, klass: any, args: unknown[]): unknown {
  if (typeof klass !== 'function' || !(klass.prototype instanceof Error || klass === Error)) {
    throw new TypeError(`${who} needs Exception or string subclass as first parameter`);
  }
  return new klass(...args);
}
