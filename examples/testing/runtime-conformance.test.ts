// The OCI conformance kit in a node:test suite of your own: every check of
// runtime.md and config.md's hooks and process sections against the
// runtime named by $RUNTIME (default: runc), each test named after the spec
// sentence it verifies. Root runs root configs; any other user, rootless
// ones (a user namespace).
//
//   RUNTIME=/usr/sbin/runc node --test dist/examples/testing/runtime-conformance.test.js
//
// In a package that depends on kapsel, import from 'kapsel/testing'.
import { conformance } from '../../lib/testing';

conformance({
  runtime: process.env.RUNTIME ?? '/usr/sbin/runc',
  // Global flags the runtime needs on this host, e.g. crun on a cgroup
  // v1/v2 hybrid host: ['--cgroup-manager=disabled'].
  runtimeArgs: process.env.RUNTIME_ARGS ? process.env.RUNTIME_ARGS.split(' ') : [],
  // Checks this runtime is known to fail still run, and pass only while
  // they fail: a fixed runtime shows up as a failing test here.
  expectedFailures: {},
});
