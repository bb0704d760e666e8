// Fault-injection tests take about a minute (real child processes, a TCP proxy, SMTP and SMS servers failing), so
// they run as their own step: `npm run test:faults`, which `npm test` (and so CI) runs after the main suite. In the
// main run they are skipped, with this reason.
export const faultsSkip: string | false =
  process.env.MEMBER_AREA_FAULTS === '1'
    ? false
    : 'fault injection runs in its own step: npm run test:faults (npm test runs it last)';
