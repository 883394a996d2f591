/**
 * The test file `kapsel conformance` hands to node:test's run(): the
 * options come as JSON in $KAPSEL_CONFORMANCE_OPTIONS (run() starts this
 * file in a child process, which inherits the environment).
 */
import { conformance, OPTIONS_ENV, type ConformanceOptions } from './run';

const text = process.env[OPTIONS_ENV];
if (text) conformance(JSON.parse(text) as ConformanceOptions);
