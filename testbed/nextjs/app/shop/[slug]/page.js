import Link from 'next/link'
import { notFound } from 'next/navigation'
import { getProduct } from '../../../lib/shop'

// A product page as CMS-backed apps write it: ISR for an hour, rendered on
// first request (nothing is prerendered at build time), showing only data.
export const revalidate = 3600

export function generateStaticParams() {
  return []
}

export default async function Product({ params }) {
  const { slug } = await params
  const product = await getProduct(slug)
  if (!product) notFound()
  return (
    <main>
      <h1>{product.name}</h1>
      <p id="price">{`price ${product.price}`}</p>
      <Link href="/about">About</Link>
    </main>
  )
}
