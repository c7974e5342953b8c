//! Simulated Next.js origin and CDN (placeholder; see issue 2).
