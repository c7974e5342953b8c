import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'

// The shop's sitemap, as a CMS-backed app writes one: every product page
// with its <lastmod>, the time the product's data last changed (its file's
// modification time here, where a CMS would use its `updatedAt`). Rendered
// per request, so an edit moves <lastmod> at once. `?prefix=` lists only
// the products whose slug starts with it: each test reads a sitemap of
// its own pages, whatever earlier tests left in the data directory.
export const dynamic = 'force-dynamic'

function dataDir() {
  return process.env.TESTBED_DATA_DIR || path.join(process.cwd(), 'data')
}

export async function GET(request) {
  const prefix = request.nextUrl.searchParams.get('prefix') || ''
  const origin = request.nextUrl.searchParams.get('origin') || 'http://127.0.0.1:3100'
  const files = (await readdir(dataDir()).catch(() => [])).filter(
    (f) => f.endsWith('.json') && !f.startsWith('.') && f.startsWith(prefix),
  )
  const urls = []
  for (const file of files.sort()) {
    const slug = file.slice(0, -'.json'.length)
    const changed = (await stat(path.join(dataDir(), file))).mtime.toISOString()
    urls.push(`<url><loc>${origin}/shop/${slug}</loc><lastmod>${changed}</lastmod></url>`)
  }
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${urls.join('\n')}\n</urlset>\n`
  return new Response(xml, { headers: { 'content-type': 'application/xml' } })
}
