// The on-demand revalidation route handler from the Next.js docs, as
// As the Next.js docs write it: POST /api/revalidate?secret=S&path=P[&type=page|layout]
// or POST /api/revalidate?secret=S&tag=T.
import { revalidatePath, revalidateTag } from 'next/cache'

export async function POST(request) {
  const params = request.nextUrl.searchParams
  if (params.get('secret') !== process.env.REVALIDATE_SECRET) {
    return Response.json({ message: 'Invalid token' }, { status: 401 })
  }
  const path = params.get('path')
  const tag = params.get('tag')
  if (!path && !tag) {
    return Response.json({ message: 'Path is required' }, { status: 400 })
  }
  try {
    if (path) {
      const type = params.get('type')
      if (type) {
        revalidatePath(path, type)
      } else {
        revalidatePath(path)
      }
    }
    if (tag) {
      revalidateTag(tag, 'max')
    }
    return Response.json({ revalidated: true, now: Date.now() })
  } catch (err) {
    return Response.json({ message: `Error revalidating: ${err.message}` }, { status: 500 })
  }
}
