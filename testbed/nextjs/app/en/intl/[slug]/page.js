import { getProduct } from '../../../../lib/shop'
import { notFound } from 'next/navigation'

// The English page of a localized shop: proxy.js sends the unprefixed
// /intl/<slug> here (307), as i18n middleware does for the default locale.
export const revalidate = 3600

export function generateStaticParams() {
  return []
}

export default async function LocalizedProduct({ params }) {
  const { slug } = await params
  const product = await getProduct(slug)
  if (!product) notFound()
  return (
    <main>
      <h1>{product.name}</h1>
      <p id="price">{`price ${product.price}`}</p>
    </main>
  )
}
