// A product post per locale, kept by ISR: the same data in both locales, so
// a revalidation of one locale's path leaves the other's copy as it was.
import { getProduct } from '../../../lib/shop'

export default function Post({ product, locale }) {
  if (!product) return null
  return (
    <main lang={locale}>
      <h1>{product.name}</h1>
      <p id="price">{`price ${product.price}`}</p>
    </main>
  )
}

export async function getStaticProps({ params, locale }) {
  const product = await getProduct(params.slug)
  if (!product) return { notFound: true, revalidate: 60 }
  return { props: { product, locale }, revalidate: 3600 }
}

export async function getStaticPaths() {
  return { paths: [], fallback: 'blocking' }
}
