import { notFound } from 'next/navigation'
import { Marker, renderedAt } from '../../../lib/marker'
import { getPosts } from '../../../lib/posts'

export const revalidate = 3600
// Only the prerendered slugs exist; anything else is a 404.
export const dynamicParams = false

export function generateStaticParams() {
  return [{ slug: 'hello' }, { slug: 'world' }]
}

export default async function Post({ params }) {
  const { slug } = await params
  const { posts, fetchedAt } = await getPosts()
  const post = posts.find((p) => p.slug === slug)
  if (!post) notFound()
  return (
    <main>
      <h1>{post.title}</h1>
      <p id="data">{`posts fetched at ${fetchedAt}`}</p>
      <Marker value={renderedAt()} />
    </main>
  )
}
