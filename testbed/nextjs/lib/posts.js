import { unstable_cache } from 'next/cache'

// The "CMS": post data cached in Next.js's data cache under the tag `posts`,
// so revalidateTag('posts') invalidates it and every page that read it.
export const getPosts = unstable_cache(
  async () => ({
    fetchedAt: new Date().toISOString(),
    posts: [
      { slug: 'hello', title: 'Hello' },
      { slug: 'world', title: 'World' },
    ],
  }),
  ['posts'],
  { tags: ['posts'], revalidate: 3600 },
)
