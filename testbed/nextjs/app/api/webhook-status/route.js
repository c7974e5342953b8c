// A commerce app's webhook handler, as seen in the wild: every answer is
// HTTP 200 with the verdict in a JSON `status` — 401 for a wrong secret,
// 200 "nothing to do" when the call names no path (it ignored the call),
// and `revalidated: true` when it revalidated. isrctl must read a refusal
// in a 200 as a refusal, whatever success rule the site's config says.
import { revalidatePath } from 'next/cache'

export async function POST(request) {
  const params = request.nextUrl.searchParams
  if (params.get('secret') !== process.env.REVALIDATE_SECRET) {
    return Response.json({ status: 401, message: 'Invalid secret' })
  }
  const path = params.get('path')
  if (!path) {
    return Response.json({ status: 200, message: 'Nothing to revalidate' })
  }
  revalidatePath(path)
  return Response.json({ status: 200, revalidated: true, now: Date.now() })
}
