/**
 * Shape and option checks shared by every entry point: each failure is a ShapeError whose message
 * is a sentence saying what was given and what is allowed.
 */
import { ShapeError } from './errors.ts';
import { formatCount } from './format.ts';
import { requireObject } from './guard.ts';
import { takesInput } from './forms/registry.ts';
import {
  ATTENTION_FORMS,
  CHUNK_SIZES,
  FEATURE_MAPS,
  SUPPORTED_DIMS,
  resolveOptions,
  type AttentionOptions,
  type AttentionProblem,
  type AttentionShape,
  type ResolvedOptions,
} from './types.ts';

/** Throws a ShapeError unless heads and tokens are integers >= 1 and dim is supported. */
export function validateShape(shape: AttentionShape): void {
  requireObject(shape, 'The engine', 'a shape {heads, tokens, dim}');
  const { heads, tokens, dim } = shape;
  if (!Number.isInteger(heads) || heads < 1) {
    throw new ShapeError(`heads must be a whole number of at least 1 (got ${String(heads)}).`);
  }
  if (!Number.isInteger(tokens) || tokens < 1) {
    throw new ShapeError(`tokens must be a whole number of at least 1 (got ${String(tokens)}).`);
  }
  if (!(SUPPORTED_DIMS as readonly number[]).includes(dim)) {
    throw new ShapeError(`dim must be one of ${SUPPORTED_DIMS.join(', ')} (got ${String(dim)}).`);
  }
}

/** Fills in the defaults and throws a ShapeError for an unknown form, feature map or chunk size. */
export function validateOptions(options: AttentionOptions): ResolvedOptions {
  requireObject(options, 'The engine', 'options {form, ...}');
  if (!(ATTENTION_FORMS as readonly string[]).includes(options.form)) {
    throw new ShapeError(
      `Unknown form "${String(options.form)}": use one of ${ATTENTION_FORMS.join(', ')}.`,
    );
  }
  const resolved = resolveOptions(options);
  if (!(FEATURE_MAPS as readonly string[]).includes(resolved.featureMap)) {
    throw new ShapeError(
      `Unknown feature map "${String(resolved.featureMap)}": use one of ${FEATURE_MAPS.join(', ')}.`,
    );
  }
  if (typeof resolved.normalize !== 'boolean') {
    throw new ShapeError(`normalize must be true or false (got ${String(resolved.normalize)}).`);
  }
  if (!(CHUNK_SIZES as readonly number[]).includes(resolved.chunkSize)) {
    throw new ShapeError(
      `The chunk size must be one of ${CHUNK_SIZES.join(', ')} (got ${String(resolved.chunkSize)}).`,
    );
  }
  return resolved;
}

/**
 * Validates a whole problem: shape, options and input lengths
 * ("q has 1000 values; heads x tokens x dim = 3 x 17 x 64 = 3,264"). Returns the resolved options.
 */
export function validateProblem(
  problem: AttentionProblem,
  options: AttentionOptions,
): ResolvedOptions {
  requireObject(problem, 'The engine', 'a problem {heads, tokens, dim, q, k, v}');
  validateShape(problem);
  const resolved = validateOptions(options);
  const { heads, tokens, dim } = problem;
  const expected = heads * tokens * dim;
  for (const name of ['q', 'k', 'v'] as const) {
    const values = problem[name] as Float32Array | undefined;
    if (!(values instanceof Float32Array)) {
      throw new ShapeError(`${name} must be a Float32Array laid out [heads][tokens][dim].`);
    }
    if (values.length !== expected) {
      throw new ShapeError(
        `${name} has ${formatCount(values.length)} values; heads x tokens x dim = ` +
          `${formatCount(heads)} x ${formatCount(tokens)} x ${formatCount(dim)} = ${formatCount(expected)}.`,
      );
    }
  }
  if (takesInput(resolved.form, 'logDecay')) {
    validateLogDecay(problem.logDecay, heads, tokens, resolved.form);
  }
  return resolved;
}

/**
 * Checks a gated form's log-decays: a Float32Array of heads x tokens values, each finite and
 * <= 0 ("logDecay[37] (head 1, token 4) is 0.25; each g_t must be a finite number <= 0, ...").
 */
export function validateLogDecay(
  logDecay: unknown,
  heads: number,
  tokens: number,
  form: string,
): void {
  if (!(logDecay instanceof Float32Array)) {
    throw new ShapeError(
      `${form} needs logDecay, a Float32Array of log-decays g_t laid out [heads][tokens].`,
    );
  }
  const expected = heads * tokens;
  if (logDecay.length !== expected) {
    throw new ShapeError(
      `logDecay has ${formatCount(logDecay.length)} values; heads x tokens = ` +
        `${formatCount(heads)} x ${formatCount(tokens)} = ${formatCount(expected)}.`,
    );
  }
  for (let i = 0; i < logDecay.length; i++) {
    const g = logDecay[i]!;
    // Written so that NaN fails too.
    if (!(g <= 0 && g > Number.NEGATIVE_INFINITY)) {
      throw new ShapeError(
        `logDecay[${formatCount(i)}] (head ${Math.floor(i / tokens)}, token ${i % tokens}) is ` +
          `${String(g)}; each g_t must be a finite number <= 0, so that the decay exp(g_t) is ` +
          'at most 1.',
      );
    }
  }
}

/**
 * Validates one generated token's q, k and v ([heads][dim] each) for a decoder
 * ("k has 31 values; one token needs heads x dim = 2 x 16 = 32.").
 */
export function validateToken(
  token: { q: Float32Array; k: Float32Array; v: Float32Array },
  heads: number,
  dim: number,
): void {
  for (const name of ['q', 'k', 'v'] as const) {
    const values: unknown = token[name];
    if (!(values instanceof Float32Array)) {
      throw new ShapeError(`${name} must be a Float32Array laid out [heads][dim].`);
    }
    const length = values.length;
    if (length !== heads * dim) {
      throw new ShapeError(
        `${name} has ${formatCount(length)} values; one token needs heads x dim = ` +
          `${heads} x ${dim} = ${formatCount(heads * dim)}.`,
      );
    }
  }
}
