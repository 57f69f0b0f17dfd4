// A step of the tampering property test: one call into the package, prepared in a clean realm and
// made in a tampered one; and the nested step, which a replacement of the realm runs when it calls
// back into the package. The run prepares the nested step, the realm runs it and the trace marks
// what it did, and ES modules cannot assign one another's bindings: it lives in one object here.

/** A prepared operation: its one call into the package, and what to record of its result. */
export interface Step {
  act(): unknown;
  done(result: unknown): void;
}

export const nested: {
  /** The step a replacement runs when it calls back into the package (prepared beforehand). */
  step: Step | undefined;
  /** Whether the nested step ran (its changes then are the model's, not the outer error's). */
  ran: boolean;
} = { step: undefined, ran: false };
