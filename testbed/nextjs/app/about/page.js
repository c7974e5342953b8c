import { Marker, renderedAt } from '../../lib/marker'

export const revalidate = 3600

export default function About() {
  return (
    <main>
      <h1>About</h1>
      <Marker value={renderedAt()} />
    </main>
  )
}
