// The Next.js docs' Pages Router handler: GET /api/revalidate?secret=S&path=P
// (under the base path: /blog/api/revalidate). res.revalidate takes the
// path as the page's URL inside the app.
export default async function handler(req, res) {
  if (req.query.secret !== process.env.REVALIDATE_SECRET) {
    return res.status(401).json({ message: 'Invalid token' })
  }
  try {
    await res.revalidate(req.query.path)
    return res.json({ revalidated: true })
  } catch (err) {
    return res.status(500).send(String(err && err.message))
  }
}
