// A Pages Router product page as Vercel's cms-contentful Pages Router
// example writes it: when the entry is gone, it renders Next's error page
// (<ErrorPage statusCode={404} />) inside a 200, which ISR then keeps:
// a soft 404.
import ErrorPage from 'next/error'
import { getProduct } from '../../lib/shop'

export default function Legacy({ product }) {
  if (!product) return <ErrorPage statusCode={404} />
  return (
    <main>
      <h1>{product.name}</h1>
      <p id="price">{`price ${product.price}`}</p>
    </main>
  )
}

export async function getStaticProps({ params }) {
  const product = await getProduct(params.slug)
  return { props: { product: product ?? null }, revalidate: 3600 }
}

export async function getStaticPaths() {
  return { paths: [], fallback: 'blocking' }
}
