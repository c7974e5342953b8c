import { Marker, renderedAt } from '../lib/marker'

export const revalidate = 3600

export default function Home() {
  return (
    <main>
      <h1>isrctl testbed</h1>
      <Marker value={renderedAt()} />
    </main>
  )
}
