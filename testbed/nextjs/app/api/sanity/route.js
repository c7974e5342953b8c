// A Sanity webhook handler as next-sanity's parseBody() checks it, with the
// CMS's own package (@sanity/webhook, which parseBody uses): the raw body
// signed in `sanity-webhook-signature: t=<ms>,v1=<base64url HMAC-SHA256>`.
// The secret is never sent; a bad signature is 401 "Invalid signature", as
// the next-sanity examples answer. Then the document's slug maps to its
// page, /blog/<slug.current>. (parseBody's optional 3 s wait for Sanity's
// eventual consistency is left out: it only slows the tests.)
import { isValidSignature, SIGNATURE_HEADER_NAME } from '@sanity/webhook'
import { revalidatePath } from 'next/cache'

export async function POST(request) {
  const signature = request.headers.get(SIGNATURE_HEADER_NAME)
  const body = await request.text()
  const secret = process.env.REVALIDATE_SECRET.trim()
  const valid = signature ? await isValidSignature(body, signature, secret) : false
  if (!valid) {
    return Response.json({ message: 'Invalid signature', isValidSignature: valid }, { status: 401 })
  }
  let doc = null
  try {
    doc = body.trim() ? JSON.parse(body) : null
  } catch {
    doc = null
  }
  const slug = doc?.slug?.current
  if (typeof slug !== 'string' || slug === '') {
    return Response.json({ message: 'Bad Request: no slug' }, { status: 400 })
  }
  revalidatePath(`/blog/${slug}`)
  return Response.json({ revalidated: true, now: Date.now() })
}
