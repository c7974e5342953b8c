// A published example's own revalidation route, as it ships: no secret
// check at all. Without a path it throws (500); with any path — and any
// secret — it answers 200 in plain text. isrctl's auth check must say it
// accepts any secret, not "inconclusive".
import { revalidatePath } from 'next/cache'

async function handle(request) {
  const path = request.nextUrl.searchParams.get('path')
  if (!path) throw new Error('path is required')
  revalidatePath(path)
  return new Response(`Cache revalidated for path: ${path}`)
}

export const GET = handle
export const POST = handle
