// A Pages Router API route calling res.revalidate, as in the Next.js docs:
// GET /api/pages-revalidate?secret=S&path=P. res.revalidate throws for a
// path without a leading slash and for a page that does not answer 200.
export default async function handler(req, res) {
  if (req.query.secret !== process.env.REVALIDATE_SECRET) {
    return res.status(401).json({ message: 'Invalid token' })
  }
  const path = req.query.path
  if (!path) {
    return res.status(400).json({ message: 'Path is required' })
  }
  try {
    await res.revalidate(path)
    return res.json({ revalidated: true })
  } catch (err) {
    return res.status(500).json({ message: 'Error revalidating' })
  }
}
