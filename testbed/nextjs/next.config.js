// Each origin instance of the testbed serves its own copy of the build
// (testbed/start sets NEXT_DIST_DIR), so each has its own ISR cache, as
// self-hosted replicas without a shared cache handler do.
module.exports = {
  distDir: process.env.NEXT_DIST_DIR || '.next',
}
