import { readFile } from 'node:fs/promises'
import path from 'node:path'

// The testbed's "CMS", shaped like a real one: pages show data, never the
// time they were rendered, so the same data renders byte-identical HTML
// with the same ETag. One JSON file per product in TESTBED_DATA_DIR
// (testbed/.run/data), which the tests edit — both instances read the same
// files, like two replicas of one app on one CMS. A test makes the CMS lag
// by writing the file a few seconds after it revalidates.
function dataDir() {
  return process.env.TESTBED_DATA_DIR || path.join(process.cwd(), 'data')
}

export async function getProduct(slug) {
  if (!/^[a-z0-9-]+$/.test(slug)) return null
  try {
    return JSON.parse(await readFile(path.join(dataDir(), `${slug}.json`), 'utf8'))
  } catch {
    return null
  }
}
