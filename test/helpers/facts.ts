/**
 * A fake host and image for compilePlan: a plan depends on nothing else.
 * The public builder of kapsel/testing (lib/testing/facts.ts), under the
 * name the tests know: one copy of the defaults.
 */
export { makeHostFacts as fakeFacts, type HostFactsInit as FakeFacts } from '../../lib/testing/facts';
