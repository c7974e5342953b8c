// Each origin instance of the testbed serves its own copy of the build
// (testbed/start sets NEXT_DIST_DIR), so each has its own ISR cache, as
// self-hosted replicas without a shared cache handler do.
module.exports = {
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Surrogate keys for varnish-modules' xkey, as an app sets them: each
  // product page names its product and the catalogue.
  async headers() {
    return [
      {
        source: '/shop/:slug',
        headers: [{ key: 'xkey', value: 'product-:slug catalogue' }],
      },
    ]
  },
}
