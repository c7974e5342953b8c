// Each origin instance of the testbed serves its own copy of the build
// (testbed/start sets NEXT_DIST_DIR), so each has its own ISR cache, as
// self-hosted replicas without a shared cache handler do — except the
// instances started with TESTBED_SHARED_CACHE (a Redis URL), which share one
// ISR cache through lib/redis-cache-handler.js, as replicas configured with a
// published Redis handler do. Both are read when `next start` starts.
module.exports = {
  distDir: process.env.NEXT_DIST_DIR || '.next',
  cacheHandler: process.env.TESTBED_SHARED_CACHE ? require.resolve('./lib/redis-cache-handler.js') : undefined,
  // A localized pathname, as next-intl's `pathnames` make one: the public
  // /produkte/<slug> is the route /shop/<slug> (revalidatePath needs that).
  async rewrites() {
    return [{ source: '/produkte/:slug', destination: '/shop/:slug' }]
  },
  // Surrogate keys for varnish-modules' xkey, as an app sets them: each
  // product page names its product and the catalogue.
  async headers() {
    return [
      {
        source: '/shop/:slug',
        headers: [{ key: 'xkey', value: 'product-:slug catalogue' }],
      },
      // The posts list reads data tagged `posts`: its surrogate key is
      // the same tag, so a revalidateTag and an xkey purge meet.
      {
        source: '/posts',
        headers: [{ key: 'xkey', value: 'posts' }],
      },
    ]
  },
}
