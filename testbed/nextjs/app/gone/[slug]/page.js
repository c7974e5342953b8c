import { getProduct } from '../../../lib/shop'

// A product page as Vercel's cms-contentful App Router example writes it:
// no notFound() when the entry is missing, so a page whose entry was
// deleted from the CMS throws on its next render and answers 500.
export const revalidate = 3600

export function generateStaticParams() {
  return []
}

export default async function Gone({ params }) {
  const { slug } = await params
  const product = await getProduct(slug)
  return (
    <main>
      <h1>{product.name}</h1>
      <p id="price">{`price ${product.price}`}</p>
    </main>
  )
}
