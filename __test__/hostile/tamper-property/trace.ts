// The tampering property test's trace, for debugging a violation: with LIGHTWATCH_TAMPER_DEBUG,
// what each step did to each owner and what the realm had replaced around it, so that a violation
// is printed with the history that led to it. The operations write it, the realm says what it
// replaced, the run numbers the steps and the checks print it.
import { nested } from './step';
import { type AnyOwner, push } from './world';

/** With LIGHTWATCH_TAMPER_DEBUG: what happened to each owner, printed with a violation. */
export const DEBUG = process.env.LIGHTWATCH_TAMPER_DEBUG !== undefined;
export const traces = new Map<number, string[]>();

/** The step in progress, set by the run (one object: ES modules cannot assign each other's). */
export const tracing: {
  step: number;
  /** What the realm replaced for this step (with LIGHTWATCH_TAMPER_DEBUG). */
  tampered: string[];
} = { step: 0, tampered: [] };

export function trace(owner: AnyOwner, text: string): void {
  if (!DEBUG) return;
  const list = traces.get(owner.id) ?? [];
  push(
    list,
    `${tracing.step}${nested.ran ? ' (nested)' : ''}: ${text} [${tracing.tampered.join(', ')}]`,
  );
  traces.set(owner.id, list);
}
