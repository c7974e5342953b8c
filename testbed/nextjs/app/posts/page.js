import { Marker, renderedAt } from '../../lib/marker'
import { getPosts } from '../../lib/posts'

export const revalidate = 3600

export default async function Posts() {
  const { posts, fetchedAt } = await getPosts()
  return (
    <main>
      <h1>Posts</h1>
      <ul>
        {posts.map((p) => (
          <li key={p.slug}>
            <a href={`/blog/${p.slug}`}>{p.title}</a>
          </li>
        ))}
      </ul>
      <p id="data">{`posts fetched at ${fetchedAt}`}</p>
      <Marker value={renderedAt()} />
    </main>
  )
}
