/**
 * The build stamp of the CLI bundle that goes with this build of dist/:
 * scripts/build-cli-bundle.js writes the bundle's stamp (the hash on its
 * first line, "// kapsel-build <hash>") here in the compiled file, and tsc
 * writes this placeholder back whenever it compiles lib/ again. So
 * lib/cli/start.ts runs the bundle only when the bundle and the modules
 * beside it come from the same build, without comparing file times (which
 * an npm install or a copy does not keep in order).
 */
export const BUILD_STAMP: string = 'unbundled';
