// How hard the property-based attacks push: a fixed seed and a modest count in CI, a long run
// with `npm run fuzz` (FUZZ_RUNS), so a failure in CI reproduces exactly.
export const FUZZ = {
  seed: Number(process.env.FUZZ_SEED ?? 20261123),
  numRuns: Number(process.env.FUZZ_RUNS ?? 150),
};
