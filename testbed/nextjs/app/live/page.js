// A page rendered per request, as any page that reads cookies() or
// headers() is: no ISR, so revalidation does not apply to it.
export const dynamic = 'force-dynamic'

export default function Live() {
  return (
    <main>
      <h1>Live</h1>
      <p id="now">{`rendered per request at ${new Date().toISOString()}`}</p>
    </main>
  )
}
