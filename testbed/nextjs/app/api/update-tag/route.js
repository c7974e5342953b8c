// updateTag() called where it does not work: Next.js 16 allows it only in
// Server Actions, so this route handler throws, outside any try/catch, and
// Next answers 500 with an empty body — what an app gets when it swaps
// revalidateTag for updateTag in its handler.
import { updateTag } from 'next/cache'

export async function POST(request) {
  const params = request.nextUrl.searchParams
  if (params.get('secret') !== process.env.REVALIDATE_SECRET) {
    return Response.json({ message: 'Invalid token' }, { status: 401 })
  }
  updateTag(params.get('tag') ?? 'posts')
  return Response.json({ revalidated: true, now: Date.now() })
}
