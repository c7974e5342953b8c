// A second testbed app, a Pages Router site the way many are configured:
// under a base path, with trailing slashes and i18n locales (default `en`,
// unprefixed; `de` under /de). One `next start` serves it (testbed/start.sh).
// It reads the same product data as the main app (../lib/shop.js).
module.exports = {
  basePath: '/blog',
  trailingSlash: true,
  i18n: { locales: ['en', 'de'], defaultLocale: 'en' },
}
