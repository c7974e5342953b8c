//! The builds a world's pages come from: the origins run one, and a CDN
//! may keep a page the previous deploy rendered (deploy skew). Next.js
//! names the build in an App Router page's flight data (`"b":"<id>"`).

use super::answer::Answer;

pub(super) fn page_body(version: u32) -> String {
    page_of_build(version, BUILD)
}

/// The build the origins run, and the one before (as Next writes a build
/// id in the flight data of an App Router page).
pub(super) const BUILD: &str = "buildNow0000001";
const PREVIOUS_BUILD: &str = "buildBefore0001";

pub(super) fn page_of_build(version: u32, build: &str) -> String {
    format!(
        "<html><meta name=\"v\" content=\"{version}\"><p>price {version}</p><script>self.__next_f.push([1,\"0:{{\\\"P\\\":null,\\\"b\\\":\\\"{build}\\\"}}\"])</script></html>"
    )
}

/// `page`, the ISR page of data `version`, as the previous deploy
/// rendered it: the previous build's id and another ETag.
pub(super) fn of_previous_deploy(mut page: Answer, version: u32) -> Answer {
    page.body = page_of_build(version, PREVIOUS_BUILD);
    for (name, value) in &mut page.headers {
        if *name == "etag" {
            *value = format!("\"p{version}\"");
        }
    }
    page
}
