// An ISR page behind proxy.js's gate: visitors without credentials get
// 401, while revalidatePath (which skips proxy) still regenerates it.
export const revalidate = 3600

export default function MembersNews() {
  return (
    <main>
      <h1>Members' news</h1>
    </main>
  )
}
