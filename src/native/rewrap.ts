import {
  AbortError,
  ChatTemplateError,
  ConflictError,
  DisposedError,
  ModelLoadError,
  NativeError,
  OnrampError,
  QuantizeError,
} from '../errors.js';

/**
 * Turns an error thrown by the addon (a plain Error with a `code`) into the matching OnrampError.
 * `what` names the object for DISPOSED errors ("model", "context"). Non-native errors pass through.
 *
 * @example
 * try { addonModel.tokenize('x', false, false) } catch (e) { throw fromNative(e, 'model') }
 */
export function fromNative(e: unknown, what = 'native object'): Error {
  if (e instanceof OnrampError) return e;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const message = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'DISPOSED':
      return new DisposedError(what);
    case 'ABORTED':
      return new AbortError(message);
    case 'MODEL_LOAD':
      return new ModelLoadError(message, e);
    case 'CONFLICT':
      return new ConflictError(message);
    case 'QUANTIZE':
      return new QuantizeError(message);
    case 'CHAT_TEMPLATE':
      return new ChatTemplateError(message);
    default:
      return new NativeError(message, e);
  }
}

/**
 * Captures the caller's JS stack BEFORE an async native call; the returned function rewraps the native
 * rejection into a typed OnrampError carrying that stack (native rejections have no useful JS stack).
 *
 * @example
 * const rewrap = captureStack('model')
 * await addon.quantize(a, b, opts).catch((e) => { throw rewrap(e) })
 */
export function captureStack(what = 'native object'): (e: unknown) => Error {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, captureStack);
  return (e: unknown) => {
    const err = fromNative(e, what);
    if (holder.stack && !(e instanceof OnrampError)) {
      const lines = holder.stack.split('\n').slice(1).join('\n');
      err.stack = `${err.name}: ${err.message}\n${lines}`;
    }
    return err;
  };
}
