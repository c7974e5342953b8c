import { getProduct } from '../../../lib/shop'

// A product notice as a route handler serves it: HTML kept by ISR for an
// hour like the product page, but a route handler's cached answer carries
// no ETag (Next generates ETags for pages, not for route handlers), so a
// CDN holding it has no validator to revalidate a stale-marked copy with.
export const revalidate = 3600

export function generateStaticParams() {
  return []
}

export async function GET(request, { params }) {
  const { slug } = await params
  const product = await getProduct(slug)
  if (!product) return new Response('no such product', { status: 404 })
  return new Response(`<!doctype html><title>${product.name}</title><p id="price">price ${product.price}</p>`, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      xkey: `product-${slug} catalogue`,
    },
  })
}
