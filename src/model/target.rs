//! A target is what one revalidation asks for: a path or a tag, on a site.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a target names a path (`revalidatePath`) or a tag (`revalidateTag`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Path,
    Tag,
}

/// The type Next.js needs to revalidate a dynamic pattern such as `/blog/[slug]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum PageType {
    Page,
    Layout,
}

impl PageType {
    pub fn as_str(self) -> &'static str {
        match self {
            PageType::Page => "page",
            PageType::Layout => "layout",
        }
    }
}

/// One thing to revalidate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub struct Target {
    pub kind: TargetKind,
    pub value: String,
    /// Only for dynamic path patterns.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub page_type: Option<PageType>,
}

impl Target {
    pub fn path(value: impl Into<String>) -> Self {
        Target {
            kind: TargetKind::Path,
            value: value.into(),
            page_type: None,
        }
    }

    pub fn pattern(value: impl Into<String>, page_type: PageType) -> Self {
        Target {
            kind: TargetKind::Path,
            value: value.into(),
            page_type: Some(page_type),
        }
    }

    pub fn tag(value: impl Into<String>) -> Self {
        Target {
            kind: TargetKind::Tag,
            value: value.into(),
            page_type: None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.page_type) {
            (TargetKind::Tag, _) => write!(f, "tag {}", self.value),
            (TargetKind::Path, Some(t)) => write!(f, "{} ({})", self.value, t.as_str()),
            (TargetKind::Path, None) => write!(f, "{}", self.value),
        }
    }
}
