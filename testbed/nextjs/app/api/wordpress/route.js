// A revalidation handler shaped like Next's cms-wordpress example: it
// exports only PUT, takes the secret in `X-Headless-Secret-Key` and the
// paths in a JSON body, {"paths":["/about"]}. Any other method is 405.
import { revalidatePath } from 'next/cache'

export async function PUT(request) {
  if (request.headers.get('x-headless-secret-key') !== process.env.REVALIDATE_SECRET) {
    return Response.json({ message: 'Invalid secret' }, { status: 401 })
  }
  let body = null
  try {
    body = await request.json()
  } catch {
    body = null
  }
  const paths = Array.isArray(body?.paths) ? body.paths : []
  if (paths.length === 0) {
    return Response.json({ message: 'No paths to revalidate' }, { status: 400 })
  }
  for (const path of paths) revalidatePath(path)
  return Response.json({ revalidated: true, now: Date.now() })
}
