//! History of revalidations (placeholder; see issue 2).
