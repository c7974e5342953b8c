import { Marker, renderedAt } from '../../../lib/marker'

// Pages rendered on first request and then kept in the ISR cache: a test
// asks for a new id each run, so no cache (Varnish included) has seen it.
export const revalidate = 3600
export const dynamicParams = true

export function generateStaticParams() {
  return []
}

export default async function Fresh({ params }) {
  const { id } = await params
  return (
    <main>
      <h1>{`Fresh page ${id}`}</h1>
      <Marker value={renderedAt()} />
    </main>
  )
}
