// A revalidation handler shaped like the ones in Vercel's cms-contentful
// example and many Sanity starters: it checks the secret, then ignores the
// path and tag it was given and regenerates every product page. Any call
// with the right secret — even one with no path at all — regenerates them.
import { revalidatePath } from 'next/cache'

export async function POST(request) {
  if (request.nextUrl.searchParams.get('secret') !== process.env.REVALIDATE_SECRET) {
    return Response.json({ message: 'Invalid token' }, { status: 401 })
  }
  revalidatePath('/shop/[slug]', 'page')
  return Response.json({ revalidated: true, now: Date.now() })
}
