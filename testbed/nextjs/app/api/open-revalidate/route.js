// A broken handler seen in the wild: it asks for the path before it looks
// at the secret, and then never checks the secret at all. Without a path
// it answers 400 to any secret, like a correct handler past its secret
// check; isrctl's auth check must still find that it accepts any secret.
import { revalidatePath } from 'next/cache'

export async function POST(request) {
  const path = request.nextUrl.searchParams.get('path')
  if (!path) {
    return Response.json({ message: 'Path is required' }, { status: 400 })
  }
  revalidatePath(path)
  return Response.json({ revalidated: true, now: Date.now() })
}
