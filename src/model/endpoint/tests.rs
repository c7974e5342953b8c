use super::*;
use crate::model::target::PageType;

fn public() -> Url {
    Url::parse("https://blog.example.com").unwrap()
}

#[test]
fn app_router_puts_secret_path_and_type_in_the_query() {
    let p = EndpointProfile::preset(Preset::AppRouter, &public());
    let secret = Secret::new("tok", "test");
    let req = p
        .prepare(&Target::pattern("/blog/[slug]", PageType::Page), &secret)
        .unwrap();
    assert_eq!(req.method, Method::Post);
    assert_eq!(
        req.url.as_str(),
        "https://blog.example.com/api/revalidate?secret=tok&path=%2Fblog%2F%5Bslug%5D&type=page"
    );
}

#[test]
fn body_template_fills_slug_and_escapes() {
    let mut p = EndpointProfile::preset(Preset::AppRouter, &public());
    p.path = Placement::Body(r#"{"entry":{"slug":"{slug}"}}"#.into());
    p.secret = SecretPlacement::Bearer;
    let req = p
        .prepare(&Target::path("/blog/a\"b"), &Secret::new("tok", "t"))
        .unwrap();
    assert_eq!(req.body.as_deref(), Some(r#"{"entry":{"slug":"a\"b"}}"#));
    assert!(
        req.headers
            .contains(&("authorization".into(), "Bearer tok".into()))
    );
    assert!(!req.url.as_str().contains("tok"));
}

#[test]
fn curl_refers_to_the_secret_by_its_source() {
    use crate::model::secret::SecretSource;
    let p = EndpointProfile::preset(Preset::AppRouter, &public());
    let curl = curl_command(
        &p,
        &Target::path("/a"),
        &SecretSource::Env("BLOG_TOKEN".into()),
    )
    .unwrap();
    assert_eq!(
        curl,
        "curl -sS -X 'POST' 'https://blog.example.com/api/revalidate?secret='\"${BLOG_TOKEN}\"'&path=%2Fa'"
    );
    let plain = SecretSource::Plain("hunter2".to_string().into());
    let curl = curl_command(&p, &Target::path("/a"), &plain).unwrap();
    assert!(!curl.contains("hunter2"));
}

#[test]
fn pages_router_refuses_tags_and_masked_form_hides_the_secret() {
    let p = EndpointProfile::preset(Preset::PagesRouter, &public());
    assert!(
        p.prepare(&Target::tag("posts"), &Secret::new("tok", "t"))
            .is_err()
    );
    let shown = masked_summary(&p, &Target::path("/a"));
    assert_eq!(
        shown,
        "GET https://blog.example.com/api/revalidate?secret=***&path=%2Fa"
    );
}
