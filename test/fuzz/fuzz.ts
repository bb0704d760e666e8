import fc from 'fast-check';

// Property tests (issue 9) are seeded so a run is reproducible: FUZZ_SEED=<n> replays another seed, and a failure
// prints the seed and the shrunk counter-example (fast-check does). FUZZ_RUNS=<factor> multiplies every run count
// for a longer local session; the default keeps `npm test` fast.

export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const factor = Number(process.env.FUZZ_RUNS ?? 1) || 1;

/** Runs a property with the suite's seed and `runs` examples (scaled by FUZZ_RUNS). */
export function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, runs: number): void {
  fc.assert(property, { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(runs * factor)) });
}

/** Async variant of check(). */
export async function checkAsync<Ts extends [unknown, ...unknown[]]>(
  property: fc.IAsyncProperty<Ts>,
  runs: number,
): Promise<void> {
  await fc.assert(property, { seed: FUZZ_SEED, numRuns: Math.max(1, Math.round(runs * factor)) });
}

/** Text a person or an attacker might send: ASCII, any Unicode (astral, combining, RTL), whitespace and separators. */
export const anyText = (maxLength = 60): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({
      unit: fc.constantFrom(
        ' ',
        '\u00a0',
        '\t',
        '-',
        '.',
        '/',
        '0',
        '1',
        '9',
        'x',
        'X',
        'Z',
        'ß',
        'ı',
        'ﬁ',
        'ſ',
        'Ñ',
        '٣',
        '１',
      ),
      maxLength,
    }),
  );
