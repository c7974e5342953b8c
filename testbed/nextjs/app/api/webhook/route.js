// A CMS webhook, as a headless CMS calls it when an entry is published:
// POST /api/webhook with the secret in the `x-webhook-secret` header and the
// entry in a JSON body, {"entry":{"slug":"hello"}}. It revalidates the page
// the slug maps to, /blog/<slug>. isrctl's webhook check sends this payload
// (endpoint path_body = '{"entry":{"slug":"{slug}"}}') and verifies the page.
import { revalidatePath } from 'next/cache'

export async function POST(request) {
  if (request.headers.get('x-webhook-secret') !== process.env.REVALIDATE_SECRET) {
    return Response.json({ message: 'Invalid token' }, { status: 401 })
  }
  let body = null
  try {
    body = await request.json()
  } catch {
    body = null
  }
  const slug = body?.entry?.slug
  if (typeof slug !== 'string' || slug === '') {
    return Response.json({ message: 'entry.slug is required' }, { status: 400 })
  }
  revalidatePath(`/blog/${slug}`)
  return Response.json({ revalidated: true, now: Date.now() })
}
